import { UploadError, cancelledError } from './errors';

export interface RetryPolicy {
  /** Attempts after the first one. */
  maxRetries: number;
  /** Delay before the first retry; doubles each time. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is reported instead. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/**
 * Delay before retry number `retry` (1-based): exponential with "equal jitter", so that
 * many clients failing together do not come back together. `random` is injectable for tests.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) {
    return undefined;
  }
  if (/^\s*\d+\s*$/.test(header)) {
    return Number(header) * 1000;
  }
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A timer that an AbortSignal cuts short with a `cancelled` error. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface RetryHooks {
  signal?: AbortSignal;
  sleep?: Sleep;
  random?: () => number;
  onRetry?: (error: UploadError, retry: number, delayMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not worth retrying,
 * or the policy's retries are spent. Only `UploadError`s marked retryable are retried.
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: (number: number) => Promise<T>, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? abortableSleep;
  for (let retry = 0; ; retry++) {
    if (hooks.signal?.aborted) {
      throw cancelledError();
    }
    try {
      return await attempt(retry + 1);
    } catch (error) {
      if (!(error instanceof UploadError) || !error.retryable || retry >= policy.maxRetries) {
        throw error;
      }
      const retryAfter = error.details.retryAfterMs;
      if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) {
        throw error;
      }
      const delay = Math.max(retryAfter ?? 0, backoffDelay(policy, retry + 1, hooks.random));
      hooks.onRetry?.(error, retry + 1, delay);
      await sleep(delay, hooks.signal);
    }
  }
}
