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

/** A place in a Gate's queue, taken when an upload starts and used once its request is ready. */
export interface Turn {
  /**
   * Runs `task` once every earlier turn has entered or left and a place is free. If `signal` aborts
   * first, rejects with `onAbort()` and gives the place up.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal, onAbort?: () => Error): Promise<T>;
  /** Gives the place up if it was not used (always call it, in a finally). */
  release(): void;
}

interface Place {
  admit?: () => void;
}

/**
 * At most `limit` tasks inside at once, let in strictly in the order their turns were taken: a
 * batch prepares its next uploads while others send, and still sends them in the order given.
 */
export class Gate {
  private active = 0;
  private readonly queue: Place[] = [];

  constructor(private readonly limit: number) {}

  /** Takes a place in the queue now, for a task that will be ready later. */
  reserve(): Turn {
    const place: Place = {};
    this.queue.push(place);
    let used = false;
    return {
      run: async (task, signal, onAbort = () => new Error('aborted')) => {
        if (used) {
          throw new Error('a turn runs one task');
        }
        used = true;
        await this.enter(place, signal, onAbort);
        try {
          return await task();
        } finally {
          this.active--;
          this.pump();
        }
      },
      release: () => {
        if (!used) {
          used = true;
          this.drop(place);
        }
      },
    };
  }

  /** Takes a place and runs `task` in it. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal, onAbort?: () => Error): Promise<T> {
    const turn = this.reserve();
    try {
      return await turn.run(task, signal, onAbort);
    } finally {
      turn.release();
    }
  }

  private enter(place: Place, signal: AbortSignal | undefined, onAbort: () => Error): Promise<void> {
    if (signal?.aborted) {
      this.drop(place);
      return Promise.reject(onAbort());
    }
    return new Promise((resolve, reject) => {
      const abort = () => {
        this.drop(place);
        reject(onAbort());
      };
      place.admit = () => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.pump();
    });
  }

  private drop(place: Place): void {
    const index = this.queue.indexOf(place);
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.pump();
    }
  }

  /** Lets the first places in while there is room and they are ready; a place not ready yet holds the ones behind it. */
  private pump(): void {
    if (this.limit === Infinity) {
      // No limit, no queue: whoever is ready goes.
      for (const place of this.queue.filter((waiting) => waiting.admit)) {
        this.queue.splice(this.queue.indexOf(place), 1);
        this.active++;
        place.admit?.();
      }
      return;
    }
    while (this.active < this.limit && this.queue[0]?.admit) {
      const place = this.queue.shift() as Place;
      this.active++;
      place.admit?.();
    }
  }
}
