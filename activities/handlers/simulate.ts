/**
 * `simulate`: for trying Baton. Waits `ms`, then answers with `outcome` for the first `failTimes` runs
 * and succeeds after that. Registered when DEMO_HANDLERS=1.
 */
import { z } from 'zod';
import { PermanentError, RateLimitedError, TargetUnavailableError, TransientError } from '../errors';
import { abortableSleep, type TaskHandler } from './types';

const payloadSchema = z
  .object({
    ms: z.number().int().min(0).max(3_600_000).default(0),
    outcome: z.enum(['ok', 'error', 'transient', 'rate_limited', 'unavailable']).default('ok'),
    failTimes: z.number().int().min(0).max(1000).default(1),
    retryAfterMs: z.number().int().min(0).max(86_400_000).optional(),
    target: z.string().min(1).max(512).optional(),
    action: z.string().min(1).max(128).optional(),
    result: z.unknown().optional(),
  })
  .strict();

export const simulateHandler: TaskHandler<z.infer<typeof payloadSchema>> = {
  type: 'simulate',
  description: 'Waits `ms`, then fails the first `failTimes` runs with `outcome`, then succeeds.',
  payloadSchema,
  async run(ctx, p) {
    const work = async () => {
      if (p.ms > 0) await abortableSleep(p.ms, ctx.signal);
      if (p.outcome !== 'ok' && ctx.attempt <= p.failTimes) {
        const why = `simulated ${p.outcome} (run ${ctx.attempt} of ${p.failTimes} failing)`;
        switch (p.outcome) {
          case 'error':
            throw new PermanentError(why, 'simulated_error');
          case 'transient':
            throw new TransientError(why);
          case 'rate_limited':
            throw new RateLimitedError(why, p.retryAfterMs);
          case 'unavailable':
            throw new TargetUnavailableError(why);
        }
      }
      return p.result ?? { ok: true, attempt: ctx.attempt, ...(p.target ? { target: p.target, action: p.action } : {}) };
    };
    // With a target and an action the re-engagement window applies: a repeat inside it ends skipped.
    return p.target && p.action ? ctx.engage(p.target, p.action, work, { type: 'simulate', attempt: ctx.attempt }) : work();
  },
};
