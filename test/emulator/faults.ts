/**
 * Fault injection for the client's tests.
 *
 * Scheduled faults form one FIFO queue of single-request faults: `failNext(2)` followed by
 * `hangNext(1)` makes the next two API requests fail and the third hang. Each API request
 * (anything except a GET of a served file) takes at most one fault off the queue, before
 * routing and authentication, the way a failing gateway in front of the service would behave.
 *
 * Downloads of served files (the public links) have a queue of their own, so that an API fault
 * never lands on a download and the other way round: `stallDownloadNext(1, 1000)` makes the next
 * file GET send its headers and 1000 bytes, then nothing.
 */
import { defaultMessage } from './http';

export type Fault =
  | { kind: 'fail'; status: number; msg: string; retryAfter?: string }
  | { kind: 'reset'; afterBytes: number }
  | { kind: 'hang' }
  | { kind: 'slow'; bytesPerChunk: number; intervalMs: number }
  | { kind: 'envelope'; code: number; msg: string }
  | { kind: 'raw'; status: number; body: Buffer; contentType?: string };

/** What happens to a file download after its headers (with the full `Content-Length`) and `afterBytes` of the body. */
export type DownloadFault = { kind: 'reset' | 'stall' | 'truncate'; afterBytes: number };

export interface FailOptions {
  /** Sent as the `Retry-After` header (seconds, or an HTTP date), e.g. with status 429. */
  retryAfter?: number | string;
}

export class FaultInjector {
  /** Milliseconds added before every API response (0: none). Not consumed; stays until changed. */
  latencyMs = 0;

  private readonly queue: Fault[] = [];
  private readonly downloads: DownloadFault[] = [];

  /** The next `n` API requests answer `status` with the error envelope (body drained first). */
  failNext(n: number, status = 500, msg?: string, options: FailOptions = {}): void {
    const retryAfter = options.retryAfter === undefined ? undefined : String(options.retryAfter);
    this.schedule(n, { kind: 'fail', status, msg: msg ?? defaultMessage(status), retryAfter });
  }

  /**
   * The next `n` API requests have their connection destroyed once `afterBytes` of the request
   * body have arrived (0, the default: as soon as the request head arrives). A body shorter than
   * `afterBytes` is reset when it ends, so the request never gets an answer.
   */
  resetNext(n: number, afterBytes = 0): void {
    this.schedule(n, { kind: 'reset', afterBytes });
  }

  /** The next `n` API requests are read but never answered (until the emulator closes). */
  hangNext(n: number): void {
    this.schedule(n, { kind: 'hang' });
  }

  /** The next `n` API requests are handled normally, but the response body is written slowly. */
  slowResponseNext(n: number, bytesPerChunk: number, intervalMs: number): void {
    this.schedule(n, { kind: 'slow', bytesPerChunk, intervalMs });
  }

  /** The next `n` API requests answer HTTP 200 with `{ success: false, code, msg }`. */
  envelopeErrorNext(n: number, code = 500, msg = defaultMessage(code)): void {
    this.schedule(n, { kind: 'envelope', code, msg });
  }

  /** The next `n` API requests answer `status` with exactly `body` (HTML page, empty, cut JSON). */
  rawResponseNext(n: number, status: number, body: string | Uint8Array, contentType?: string): void {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    this.schedule(n, { kind: 'raw', status, body: bytes, contentType });
  }

  /** The next `n` file downloads send `afterBytes` of the body, then the connection is destroyed (a reset). */
  resetDownloadNext(n: number, afterBytes = 0): void {
    this.scheduleDownload(n, { kind: 'reset', afterBytes });
  }

  /** The next `n` file downloads send `afterBytes` of the body, then nothing (until the client leaves or the emulator closes). */
  stallDownloadNext(n: number, afterBytes = 0): void {
    this.scheduleDownload(n, { kind: 'stall', afterBytes });
  }

  /** The next `n` file downloads send `afterBytes` of the body, then close the connection cleanly: fewer bytes than `Content-Length`. */
  truncateDownloadNext(n: number, afterBytes = 0): void {
    this.scheduleDownload(n, { kind: 'truncate', afterBytes });
  }

  /** How many scheduled download faults are still waiting. */
  get pendingDownloads(): number {
    return this.downloads.length;
  }

  /** Takes the fault for the file download that just arrived, if any (used by the server). */
  takeDownload(): DownloadFault | undefined {
    return this.downloads.shift();
  }

  /** Drops every scheduled fault and resets the latency. */
  clear(): void {
    this.downloads.length = 0;
    this.queue.length = 0;
    this.latencyMs = 0;
  }

  /** How many scheduled single-request faults are still waiting. */
  get pending(): number {
    return this.queue.length;
  }

  /** Takes the fault for the API request that just arrived, if any (used by the server). */
  take(): Fault | undefined {
    return this.queue.shift();
  }

  private scheduleDownload(n: number, fault: DownloadFault): void {
    if (!Number.isInteger(n) || n < 0 || !Number.isInteger(fault.afterBytes) || fault.afterBytes < 0) {
      throw new RangeError(`fault count and byte count must be non-negative integers, got ${n} and ${fault.afterBytes}`);
    }
    for (let i = 0; i < n; i++) {
      this.downloads.push(fault);
    }
  }

  private schedule(n: number, fault: Fault): void {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`fault count must be a non-negative integer, got ${n}`);
    }
    for (let i = 0; i < n; i++) {
      this.queue.push(fault);
    }
  }
}
