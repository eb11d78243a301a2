/** `sleep`: waits `ms` milliseconds, reporting progress; stops at once when cancelled. */
import { z } from 'zod';
import { abortableSleep, type TaskHandler } from './types';

const payloadSchema = z.object({ ms: z.number().int().min(0).max(86_400_000) }).strict();

export const sleepHandler: TaskHandler<z.infer<typeof payloadSchema>> = {
  type: 'sleep',
  description: 'Waits `ms` milliseconds.',
  payloadSchema,
  async run(ctx, { ms }) {
    const step = Math.max(250, Math.ceil(ms / 10));
    let slept = 0;
    while (slept < ms) {
      const chunk = Math.min(step, ms - slept);
      await abortableSleep(chunk, ctx.signal);
      slept += chunk;
      if (slept < ms) ctx.progress({ sleptMs: slept, ms });
    }
    return { sleptMs: ms };
  },
};
