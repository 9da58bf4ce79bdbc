/**
 * Writing an upload to a new file at network speed.
 *
 * `fs.WriteStream` writes one chunk at a time and asks for more only below 16 KiB, so a fast
 * sender is stopped and restarted on every 64 KiB socket read, and reading the network and
 * writing the disk take turns instead of overlapping. Here the chunks that arrive while one
 * write is with the file system queue up and go to the next `writev` together, and the source is
 * asked to wait only when several MiB are pending.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';

const DEFAULT_HIGH_WATER_MARK = 8 * 1024 * 1024;

export interface FileWriterOptions {
  /** Pending bytes at which `write()` asks the caller to wait (default 8 MiB). */
  highWaterMark?: number;
  /** `path` is an existing file to write over from its start and truncate at the end. */
  overwrite?: boolean;
}

export interface FileWriterEvents {
  /** Called when pending bytes fall below the high-water mark after `write()` returned false. */
  onDrain?(): void;
  /** Called once, on the first open or write error (the writer then ignores further writes). */
  onError?(error: Error): void;
}

export class FileWriter {
  private handle: FileHandle | undefined;
  private readonly opened: Promise<void>;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private writingBytes = 0;
  private position = 0;
  private accepted = 0;
  private full = false;
  private aborted = false;
  private failure: Error | undefined;
  private pumping: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private readonly highWaterMark: number;
  private readonly overwrite: boolean;

  /** Creates `path` (which must not exist, unless `overwrite`) and starts writing what it is given. */
  constructor(
    readonly path: string,
    private readonly events: FileWriterEvents = {},
    options: FileWriterOptions = {},
  ) {
    this.highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.overwrite = options.overwrite ?? false;
    this.opened = open(path, this.overwrite ? 'r+' : 'wx').then(
      (handle) => {
        this.handle = handle;
      },
      (err: Error) => this.fail(err),
    );
  }

  /** Bytes given to `write()` so far. */
  get size(): number {
    return this.accepted;
  }

  /**
   * Queues `chunk` (kept by reference until written: the caller must not reuse it). Returns
   * false when the caller should wait for `onDrain` before writing more.
   */
  write(chunk: Buffer): boolean {
    if (this.failure || this.aborted) {
      return true;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.accepted += chunk.length;
    this.pumping ??= this.pump();
    if (this.queuedBytes + this.writingBytes >= this.highWaterMark) {
      this.full = true;
      return false;
    }
    return true;
  }

  /** Writes what is queued, closes the file and returns its size. On failure the file is removed. */
  async finish(): Promise<number> {
    while (this.pumping) {
      await this.pumping;
    }
    await this.opened;
    if (this.overwrite && !this.failure) {
      // Whatever the old file held beyond the new bytes goes.
      await this.handle?.truncate(this.position).catch((err: Error) => this.fail(err));
    }
    if (this.failure) {
      await this.abort();
      throw this.failure;
    }
    await this.close();
    return this.position;
  }

  /** Drops what is queued, waits for a write in progress, closes and removes the file (if it created one). */
  async abort(): Promise<void> {
    this.aborted = true;
    this.queue = [];
    this.queuedBytes = 0;
    while (this.pumping) {
      await this.pumping;
    }
    // Even an open still in progress must finish first: it would create the file after the rm.
    await this.opened;
    if (this.handle) {
      await this.close().catch(() => undefined);
      await rm(this.path, { force: true });
    }
  }

  private async pump(): Promise<void> {
    try {
      await this.opened;
      while (this.queue.length > 0 && this.handle && !this.failure && !this.aborted) {
        const batch = this.queue;
        const bytes = this.queuedBytes;
        this.queue = [];
        this.queuedBytes = 0;
        this.writingBytes = bytes;
        const { bytesWritten } = await this.handle.writev(batch, this.position);
        this.writingBytes = 0;
        if (bytesWritten !== bytes) {
          throw new Error(`short write to ${this.path}: ${bytesWritten} of ${bytes} bytes`);
        }
        this.position += bytes;
        if (this.full && this.queuedBytes < this.highWaterMark) {
          this.full = false;
          this.events.onDrain?.();
        }
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.pumping = undefined;
    }
  }

  private close(): Promise<void> {
    this.closing ??= this.handle ? this.handle.close() : Promise.resolve();
    return this.closing;
  }

  private fail(err: Error): void {
    if (!this.failure) {
      this.failure = err;
      this.queue = [];
      this.queuedBytes = 0;
      this.events.onError?.(err);
    }
  }
}
