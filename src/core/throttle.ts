/**
 * `fn` at most once per `ms`: at once when it has not run for `ms`, else once when the `ms` are up,
 * so the last call is always followed by a run. For the listeners of events that can come
 * thousands of times in a row (a folder of thousands of uploads changes the history with each).
 */
export function throttle(fn: () => void, ms: number): { (): void; flush(): void; dispose(): void } {
  let last = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    timer = undefined;
    last = Date.now();
    fn();
  };
  const throttled = () => {
    if (timer) {
      return;
    }
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      run();
    } else {
      timer = setTimeout(run, wait);
    }
  };
  /** The run a call is waiting for, now. */
  throttled.flush = () => {
    if (timer) {
      clearTimeout(timer);
      run();
    }
  };
  throttled.dispose = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return throttled;
}

/** How often the history's listeners that redo work over the whole list (view, warnings, link health) run at most. */
export const HISTORY_THROTTLE_MS = 100;
