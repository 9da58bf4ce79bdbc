/**
 * Runs `task` over `items` with at most `limit` running at once and resolves with the results
 * in input order. Tasks are expected not to reject (uploads resolve with an outcome); if one does,
 * the rejection propagates after the running tasks settle.
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(Math.floor(limit) || 1, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/**
 * How many tasks a batch runs for `limit` requests in flight: while `limit` uploads are sending,
 * as many more prepare theirs (open, size, name the file) or finish (record the upload), so that
 * the next request goes out the moment one ends. The requests themselves pass a `Gate` of `limit`.
 */
export function batchWorkers(limit: number): number {
  return 2 * Math.max(1, Math.floor(limit) || 1);
}

/** At most `limit` tasks inside at once; the others wait in order, and leave the queue when their signal aborts. */
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, signal?: AbortSignal, onAbort: () => Error = () => new Error('aborted')): Promise<T> {
    await this.enter(signal, onAbort);
    try {
      return await task();
    } finally {
      this.leave();
    }
  }

  private enter(signal: AbortSignal | undefined, onAbort: () => Error): Promise<void> {
    if (signal?.aborted) {
      return Promise.reject(onAbort());
    }
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const admit = () => {
        signal?.removeEventListener('abort', abort);
        this.active++;
        resolve();
      };
      const abort = () => {
        const index = this.waiting.indexOf(admit);
        if (index >= 0) {
          this.waiting.splice(index, 1);
        }
        reject(onAbort());
      };
      this.waiting.push(admit);
      signal?.addEventListener('abort', abort, { once: true });
    });
  }

  private leave(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}
