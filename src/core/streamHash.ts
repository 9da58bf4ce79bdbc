import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of an upload's bytes while they stream (no second read of the file). A large file is
 * hashed on a worker thread beside the upload, in the very buffers the upload sends from (shared
 * memory, no copy): hashing a gigabyte costs about 0.6 s of CPU, which on the extension host's
 * thread would lengthen the upload by as much. Small files are hashed inline, in a few milliseconds.
 *
 * The hash may hold an upload up only a little: when the thread has not finished a buffer by the
 * time the upload wants to fill it again, the upload waits for it, within limits that `HashPace`
 * (bodies.ts) keeps; past them (a server on this machine, faster than SHA-256 can follow on the
 * cores the upload and the server leave free) the hash is given up and the record goes without it.
 * Over the internet the thread keeps up and the upload never waits. The thread is started as soon
 * as an upload's source is made (about 15 ms, for the first large upload after 30 s without one),
 * so that over a real network it runs before the first byte goes.
 */

/** Buffers of a read hashed off-thread: the thread may be two behind the upload. */
const OFF_THREAD_BUFFERS = 4;

/** An idle hashing thread ends after this long. */
const IDLE_MS = 30_000;

/** From this size on a file is hashed off the extension host's thread. */
export const OFF_THREAD_MIN_BYTES = 16 * 1024 * 1024;

/** Hashes the chunks of one read of a file, in the order they were read, into two buffers in turn. */
export interface ChunkHasher {
  /**
   * The buffers the read fills in turn (shared with the thread when hashing off-thread): more than
   * two, so that the thread may be a buffer or two behind the upload without holding it up.
   */
  buffers(length: number): Buffer[];
  /** `bytes` of buffer `index` were read: hash them, now or beside the upload. */
  add(index: number, bytes: number): void;
  /** Whether buffer `index` is hashed, so that it may be filled again. */
  released(index: number): boolean;
  /** Resolves once buffer `index` is hashed. */
  whenReleased(index: number): Promise<void>;
  /** Whether the hashing thread is still starting (waiting for it then is no sign of falling behind). */
  readonly starting: boolean;
  /** The hex SHA-256 of everything added. */
  digest(): Promise<string>;
  /** The read ended before the end (cancelled, failed): forget it. */
  abandon(): void;
}

/**
 * A read of `size` bytes is about to be hashed: start the hashing thread now if it will need it, so
 * that it starts while the request is being set up (a connection, TLS) rather than while the upload
 * waits for it.
 */
export function prepareHasher(size: number): void {
  if (size >= OFF_THREAD_MIN_BYTES) {
    HashWorker.shared();
  }
}

/** A hasher for one read of `size` bytes: off-thread for large files when a worker can run, else inline. */
export function chunkHasher(size: number): ChunkHasher {
  const worker = size >= OFF_THREAD_MIN_BYTES ? HashWorker.shared() : undefined;
  return worker ? new OffThreadHasher(worker) : new InlineHasher();
}

class InlineHasher implements ChunkHasher {
  private readonly hash = createHash('sha256');
  private pair?: Buffer[];

  buffers(length: number): Buffer[] {
    this.pair = [Buffer.allocUnsafeSlow(length), Buffer.allocUnsafeSlow(length)];
    return this.pair;
  }

  add(index: number, bytes: number): void {
    this.hash.update(this.pair![index].subarray(0, bytes));
  }

  released(): boolean {
    return true;
  }

  whenReleased(): Promise<void> {
    return Promise.resolve();
  }

  readonly starting = false;

  digest(): Promise<string> {
    return Promise.resolve(this.hash.digest('hex'));
  }

  abandon(): void {
    /* nothing held */
  }
}

class OffThreadHasher implements ChunkHasher {
  private readonly id: number;
  /** Buffers handed to the thread and not yet hashed, with what to call when they are. */
  private readonly pending: Array<(() => void)[] | undefined> = [];
  private finish?: { resolve: (hex: string) => void; reject: (error: Error) => void };
  /** Why the thread can no longer hash this read (it died). */
  private failed?: Error;

  constructor(private readonly worker: HashWorker) {
    this.id = worker.open((message) => this.receive(message), (error) => this.fail(error));
  }

  buffers(length: number): Buffer[] {
    const shared = Array.from({ length: OFF_THREAD_BUFFERS }, () => new SharedArrayBuffer(length));
    this.worker.post({ type: 'start', id: this.id, buffers: shared });
    return shared.map((buffer) => Buffer.from(buffer));
  }

  add(index: number, bytes: number): void {
    if (this.failed) {
      return; // nothing will hash it: the buffer is free, and digest() says why
    }
    this.pending[index] = [];
    this.worker.post({ type: 'update', id: this.id, index, bytes });
  }

  released(index: number): boolean {
    return !this.pending[index];
  }

  whenReleased(index: number): Promise<void> {
    const waiting = this.pending[index];
    return waiting ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve();
  }

  get starting(): boolean {
    return !this.worker.online;
  }

  digest(): Promise<string> {
    if (this.failed) {
      return Promise.reject(this.failed);
    }
    return new Promise<string>((resolve, reject) => {
      this.finish = { resolve, reject };
      this.worker.post({ type: 'end', id: this.id });
    });
  }

  abandon(): void {
    this.worker.post({ type: 'drop', id: this.id });
    this.worker.close(this.id);
    this.releaseAll();
  }

  private receive(message: WorkerMessage): void {
    if (message.type === 'released') {
      const waiting = this.pending[message.index];
      this.pending[message.index] = undefined;
      waiting?.forEach((resolve) => resolve());
    } else if (message.type === 'digest') {
      this.worker.close(this.id);
      this.finish?.resolve(message.hex);
    }
  }

  private fail(error: Error): void {
    this.failed = error;
    this.releaseAll();
    this.finish?.reject(error);
  }

  private releaseAll(): void {
    const waiting = this.pending.flatMap((list) => list ?? []);
    this.pending.fill(undefined);
    waiting.forEach((resolve) => resolve());
  }
}

type WorkerMessage = { type: 'released'; id: number; index: number } | { type: 'digest'; id: number; hex: string };

// The worker's whole program: one hash per read, fed from the read's two shared buffers.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'start') {
    jobs.set(m.id, { hash: createHash('sha256'), views: m.buffers.map((b) => new Uint8Array(b)) });
  } else if (m.type === 'update') {
    const job = jobs.get(m.id);
    if (job) job.hash.update(job.views[m.index].subarray(0, m.bytes));
    parentPort.postMessage({ type: 'released', id: m.id, index: m.index });
  } else if (m.type === 'end') {
    const job = jobs.get(m.id);
    jobs.delete(m.id);
    parentPort.postMessage({ type: 'digest', id: m.id, hex: job ? job.hash.digest('hex') : '' });
  } else if (m.type === 'drop') {
    jobs.delete(m.id);
  }
});
`;

/**
 * The one hashing thread of the process, started when a large upload needs it and ended after 30 s
 * without one (it never keeps the process alive while idle). If it cannot start or dies, hashing
 * goes back inline.
 */
class HashWorker {
  private static instance?: HashWorker;
  private static broken = false;
  private readonly jobs = new Map<number, { receive: (message: WorkerMessage) => void; fail: (error: Error) => void }>();
  private nextId = 1;
  /** Messages the worker has yet to answer: while any is, the thread keeps the process alive. */
  private awaited = 0;
  /** Ended on purpose (no upload needed it): its exit is no failure. */
  private retired = false;
  private idle?: NodeJS.Timeout;
  /** Whether the thread runs its program (until then, an upload waits for it rather than give its hash up). */
  online = false;

  static shared(): HashWorker | undefined {
    if (!HashWorker.instance && !HashWorker.broken) {
      try {
        // Its own stdio: by default a worker's output is piped into process.stdout, which that would
        // open for good (a handle left behind in a process whose stdout is a pipe).
        HashWorker.instance = new HashWorker(new Worker(WORKER_SOURCE, { eval: true, stdout: true, stderr: true }));
        // Started ahead of a read that may never come (a request that failed first): idle until then.
        HashWorker.instance.retireWhenIdle();
      } catch {
        HashWorker.broken = true;
      }
    }
    return HashWorker.instance;
  }

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: WorkerMessage) => {
      if (--this.awaited === 0) {
        worker.unref();
      }
      this.jobs.get(message.id)?.receive(message);
    });
    const die = (error: Error) => {
      if (HashWorker.instance === this) {
        HashWorker.instance = undefined;
      }
      if (this.retired) {
        return;
      }
      HashWorker.broken = true;
      for (const job of this.jobs.values()) {
        job.fail(error);
      }
      this.jobs.clear();
    };
    worker.on('online', () => (this.online = true));
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`the hashing thread ended (${code})`)));
    // After the listeners: adding a 'message' listener refs the thread again.
    worker.unref();
  }

  open(receive: (message: WorkerMessage) => void, fail: (error: Error) => void): number {
    clearTimeout(this.idle);
    const id = this.nextId++;
    this.jobs.set(id, { receive, fail });
    return id;
  }

  close(id: number): void {
    this.jobs.delete(id);
    this.retireWhenIdle();
  }

  /** With no read to hash, the thread ends after `IDLE_MS` unless a read comes first. */
  retireWhenIdle(): void {
    if (this.jobs.size === 0) {
      clearTimeout(this.idle);
      this.idle = setTimeout(() => this.retire(), IDLE_MS);
      this.idle.unref();
    }
  }

  /** No upload needed the thread for a while: it ends, and the next large upload starts another. */
  private retire(): void {
    if (this.jobs.size > 0) {
      return;
    }
    this.retired = true;
    if (HashWorker.instance === this) {
      HashWorker.instance = undefined;
    }
    void this.worker.terminate();
  }

  post(message: { type: string; [key: string]: unknown }): void {
    // 'update' and 'end' are answered; a process waiting only for that answer must not exit meanwhile.
    if (message.type === 'update' || message.type === 'end') {
      if (this.awaited++ === 0) {
        this.worker.ref();
      }
    }
    this.worker.postMessage(message);
  }
}
