/**
 * The QueueLength the Web UI shows: within a tenth of the real length, exact at 0 and for short queues,
 * and far fewer upserts than tasks while a long queue drains.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queueLengthToPublish } from '../../workflows/search-attributes';

describe('queueLengthToPublish', () => {
  it('publishes the first value, every change of a short queue, and 0 at once', () => {
    expect(queueLengthToPublish(null, 1000)).toBe(1000);
    for (let n = 9; n >= 0; n--) expect(queueLengthToPublish(n + 1, n)).toBe(n);
    expect(queueLengthToPublish(500, 0)).toBe(0);
    expect(queueLengthToPublish(0, 3)).toBe(3);
  });

  it('keeps the shown value while the real one stays within a tenth of it', () => {
    expect(queueLengthToPublish(1000, 901)).toBe(1000);
    expect(queueLengthToPublish(1000, 900)).toBe(900);
    expect(queueLengthToPublish(1000, 1099)).toBe(1000);
    expect(queueLengthToPublish(1000, 1100)).toBe(1100);
  });

  it('never shows a value more than a tenth off, over any sequence of queue lengths', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 200 }), (lengths) => {
        let shown: number | null = null;
        for (const current of lengths) {
          shown = queueLengthToPublish(shown, current);
          if (current === 0 || shown === 0) expect(shown).toBe(current);
          else expect(Math.abs(current - shown) * 10).toBeLessThan(shown);
        }
      }),
    );
  });

  it('upserts about 60 times, not 1,000, while 1,000 queued tasks drain one by one', () => {
    let shown: number | null = null;
    let upserts = 0;
    for (let n = 1000; n >= 0; n--) {
      const next = queueLengthToPublish(shown, n);
      if (next !== shown) upserts++;
      shown = next;
    }
    expect(shown).toBe(0);
    expect(upserts).toBeLessThan(80);
  });
});
