import * as assert from 'node:assert/strict';
import { mapConcurrent } from '../../src/core/pool';

describe('mapConcurrent', () => {
  it('never runs more than the limit at once, and keeps results in input order', async () => {
    let running = 0;
    let peak = 0;
    const items = Array.from({ length: 30 }, (_, i) => i);
    const results = await mapConcurrent(items, 4, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, (item * 7) % 5));
      running--;
      return item * 2;
    });
    assert.equal(peak, 4);
    assert.deepEqual(results, items.map((i) => i * 2));
  });

  it('copes with an empty list and with a limit above the item count', async () => {
    assert.deepEqual(await mapConcurrent([], 4, async () => 1), []);
    assert.deepEqual(await mapConcurrent([1, 2], 10, async (x) => x + 1), [2, 3]);
  });
});
