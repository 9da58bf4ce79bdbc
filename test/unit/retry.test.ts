import * as assert from 'node:assert/strict';
import { UploadError } from '../../src/core/errors';
import { backoffDelay, defaultRetryPolicy, parseRetryAfter, withRetries } from '../../src/core/retry';

describe('retry policy', () => {
  it('backs off exponentially with jitter, within the cap', () => {
    const policy = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelay(policy, 1, () => 0), 50);
    assert.equal(backoffDelay(policy, 1, () => 1), 100);
    assert.equal(backoffDelay(policy, 3, () => 1), 400);
    assert.equal(backoffDelay(policy, 10, () => 1), 1000);
    assert.equal(backoffDelay(policy, 10, () => 0), 500);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(['2']), 2000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });

  it('retries server and network errors up to the limit, then gives the last error', async () => {
    const delays: number[] = [];
    let calls = 0;
    await assert.rejects(
      withRetries(
        { ...defaultRetryPolicy, maxRetries: 2 },
        async () => {
          calls++;
          throw new UploadError('server', 'down');
        },
        { sleep: async (ms) => void delays.push(ms), random: () => 1 },
      ),
      /down/,
    );
    assert.equal(calls, 3);
    assert.deepEqual(delays, [500, 1000]);
  });

  it('never retries 4xx-class errors', async () => {
    for (const code of ['bad-request', 'unauthorized', 'invalid-input', 'timeout'] as const) {
      let calls = 0;
      await assert.rejects(
        withRetries(defaultRetryPolicy, async () => {
          calls++;
          throw new UploadError(code, code);
        }, { sleep: async () => undefined }),
      );
      assert.equal(calls, 1, code);
    }
  });

  it('waits at least Retry-After, and gives up at once when it is too long', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetries(
      defaultRetryPolicy,
      async () => {
        if (++calls === 1) {
          throw new UploadError('server', 'busy', { status: 429, retryAfterMs: 5000 });
        }
        return 'ok';
      },
      { sleep: async (ms) => void delays.push(ms) },
    );
    assert.equal(result, 'ok');
    assert.deepEqual(delays, [5000]);

    calls = 0;
    await assert.rejects(
      withRetries(defaultRetryPolicy, async () => {
        calls++;
        throw new UploadError('server', 'later', { retryAfterMs: 3_600_000 });
      }, { sleep: async () => undefined }),
      /later/,
    );
    assert.equal(calls, 1);
  });

  it('stops waiting the moment it is cancelled', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(
      withRetries({ ...defaultRetryPolicy, baseDelayMs: 60_000 }, async () => {
        throw new UploadError('network', 'reset');
      }, { signal: controller.signal }),
      (error: unknown) => error instanceof UploadError && error.code === 'cancelled',
    );
    assert.ok(Date.now() - started < 5000);
  });
});
