import * as assert from 'node:assert/strict';
import { throttle } from '../../src/core/throttle';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('throttle', () => {
  it('runs at once when idle, then at most once per interval, and always after the last call', async () => {
    let runs = 0;
    const throttled = throttle(() => runs++, 50);
    throttled();
    assert.equal(runs, 1, 'the first call runs at once');
    for (let i = 0; i < 100; i++) {
      throttled();
    }
    assert.equal(runs, 1, 'calls within the interval wait');
    await wait(80);
    assert.equal(runs, 2, 'one run for all of them, once the interval is up');
    await wait(80);
    assert.equal(runs, 2, 'and nothing more without calls');
    throttled.dispose();
  });

  it('flush() runs a waiting call now; dispose() drops it', async () => {
    let runs = 0;
    const throttled = throttle(() => runs++, 1000);
    throttled();
    throttled();
    throttled.flush();
    assert.equal(runs, 2);
    throttled.flush();
    assert.equal(runs, 2, 'nothing was waiting');
    throttled();
    throttled.dispose();
    await wait(20);
    assert.equal(runs, 2);
  });
});
