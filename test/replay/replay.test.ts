/**
 * Histories recorded from real runs (test/replay/histories, made by `npm run record-histories`) replay
 * against the current workflow code: a change that would make running workflows non-deterministic fails
 * here before it ships. See docs/workflow-changes.md for `patched()`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { workflowBundle } from '../../worker/bundle';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));

it('replays every recorded history without a non-determinism error', async () => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  expect(files.length).toBeGreaterThanOrEqual(3);
  const histories = await Promise.all(
    // The SDK converts the CLI's proto3 JSON itself.
    files.map(async (f) => ({ workflowId: f, history: JSON.parse(await readFile(`${dir}${f}`, 'utf8')) as unknown })),
  );
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});
