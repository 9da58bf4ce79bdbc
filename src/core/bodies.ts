import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { readFully } from './fileStat';
import { chunkHasher, prepareHasher, type ChunkHasher } from './streamHash';
import { FormDataEncoder, type FileLike, type FormDataEntryValue, type FormDataLike } from 'form-data-encoder';

/**
 * A request body with an exact length, produced afresh for every attempt. Strings are ASCII.
 * A chunk may be overwritten once the next one is requested (file chunks share two buffers): a
 * consumer that keeps one longer must copy it.
 */
export interface RequestBody {
  contentType: string;
  contentLength: number;
  chunks(): AsyncIterable<Uint8Array | string>;
}

/** Bytes to upload: a file read lazily from disk, or data already in memory. */
export interface ByteSource {
  readonly size: number;
  /** The bytes in chunks; a chunk is only valid until the next one is requested. */
  read(chunkSize: number): AsyncIterable<Uint8Array>;
  /**
   * For a source made with hashing on: the hex SHA-256 of the last read that reached the end, taken
   * while it was read (every read, a retry's too, hashes afresh); undefined before that.
   */
  sha256?(): string | undefined;
}

// Large reads keep the per-chunk overhead (thread-pool hops, socket writes, epoll wake-ups) small
// beside the copies themselves: 2 MiB took about a fifth less CPU than 1 MiB, 4 MiB no less than 2.
// It must stay far above a socket's writableHighWaterMark (16 KiB, 64 KiB from Node 22): see readChunks.
const STREAM_CHUNK = 2 * 1024 * 1024;
// Multiples of 3, so that every piece but the last encodes to base64 without padding. The file is
// read 192 KiB at a time into the two reused buffers (few thread-pool hops, no fresh memory) and
// handed to the socket as 64 KiB strings, small enough for V8's young generation: measured on a
// 10 MiB file, 1.1-1.2x the stream upload's time and +13 MiB, where 48 KiB reads took 1.6x.
const BASE64_CHUNK = 3 * 64 * 1024;
const BASE64_PIECE = 3 * 16 * 1024;

/** How a file's hash is taken while it streams: see `Hashing`. `true`: with the default share, 3%. */
export type HashOptions = boolean | { readonly waitShare?: number; readonly gaveUp?: () => void };

/** The default share of an upload's time that waiting for its hash may add. */
export const HASH_WAIT_SHARE = 0.03;

/** About the fastest an upload goes (bytes per millisecond: 2 GB/s, a server on the same machine). */
const FASTEST_UPLOAD_BYTES_PER_MS = 2e6;

/** Faster than this (1 GB/s), an upload goes to a server on this machine or beside it (see `HashPace`). */
const LOCAL_UPLOAD_BYTES_PER_MS = 1e6;

/** An upload's pace is measured over this much, after as much again (the burst into socket buffers). */
const PACE_PROBE_BYTES = 16 * 1024 * 1024;

/** Files up to this size always keep their hash (hashing 64 MiB takes about 30 ms). */
const ALWAYS_HASHED_BYTES = 64 * 1024 * 1024;

export function fileSource(path: string, size: number, hash: HashOptions = false): ByteSource {
  return chunkedSource(size, () => fileBytes(path, size), hash);
}

/**
 * A file as edited without being read whole (image metadata removed): ranges of the file and new
 * bytes, in order, read as one stream of full chunks (so that its buffers are reused as a file's
 * are, see `readChunks`) and hashed the same way, off the extension host's thread when large.
 */
export function piecesSource(path: string, pieces: readonly Piece[], size: number, hash: HashOptions = false): ByteSource {
  return chunkedSource(size, () => piecesBytes(path, pieces, size), hash);
}

/** A range of a file, or bytes of its own. */
type Piece = { readonly start: number; readonly end: number } | Uint8Array;

/** A source read in chunks through `open`, its SHA-256 taken while it is read when `hash` says so. */
function chunkedSource(size: number, open: () => Promise<PositionedBytes>, hash: HashOptions): ByteSource {
  if (!hash) {
    return { size, read: (chunkSize) => (size === 0 ? emptyChunks() : readChunks(open, size, chunkSize)) };
  }
  let digest: string | undefined;
  prepareHasher(size);
  return {
    size,
    read: (chunkSize) => {
      digest = undefined;
      const options = hash === true ? {} : hash;
      return size === 0
        ? emptyHashed((hex) => (digest = hex))
        : readChunks(open, size, chunkSize, { makeHasher: chunkHasher, done: (hex) => (digest = hex), waitShare: options.waitShare ?? HASH_WAIT_SHARE, gaveUp: options.gaveUp });
    },
    sha256: () => digest,
  };
}

/** Positioned reads of what is sent: `fill` puts the bytes from `position` on into `buffer` (fewer only at the end). */
interface PositionedBytes {
  fill(buffer: Buffer, position: number): Promise<number>;
  close(): Promise<void>;
}

/** The first `size` bytes of a file. */
async function fileBytes(path: string, size: number): Promise<PositionedBytes> {
  const handle = await fs.open(path, 'r');
  return {
    fill: (buffer, position) => readFully(handle, buffer.subarray(0, Math.min(buffer.length, size - position)), position),
    close: () => handle.close(),
  };
}

/** The index of the last of the ascending `starts` that is at most `position` (binary search), -1 when none is. */
function lastAtOrBefore(starts: readonly number[], position: number): number {
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (starts[middle] <= position) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** The pieces one after another: ranges of the file read from it, new bytes copied. */
async function piecesBytes(path: string, pieces: readonly Piece[], size: number): Promise<PositionedBytes> {
  const handle = await fs.open(path, 'r');
  const lengthOf = (piece: Piece) => (piece instanceof Uint8Array ? piece.byteLength : Math.max(0, piece.end - piece.start));
  const starts: number[] = [];
  let total = 0;
  for (const piece of pieces) {
    starts.push(total);
    total += lengthOf(piece);
  }
  return {
    async fill(buffer, position) {
      const wanted = Math.min(buffer.length, size - position, total - position);
      let filled = 0;
      for (let index = lastAtOrBefore(starts, position); filled < wanted && index >= 0 && index < pieces.length; index++) {
        const piece = pieces[index];
        const within = position + filled - starts[index];
        const take = Math.min(lengthOf(piece) - within, wanted - filled);
        if (take <= 0) {
          continue;
        }
        if (piece instanceof Uint8Array) {
          buffer.set(piece.subarray(within, within + take), filled);
          filled += take;
        } else {
          const read = await readFully(handle, buffer.subarray(filled, filled + take), piece.start + within);
          filled += read;
          if (read < take) {
            break; // the file shrank: the short chunk ends the body (undici reports the length mismatch)
          }
        }
      }
      return filled;
    },
    close: () => handle.close(),
  };
}

/**
 * `size` bytes (the size announced in Content-Length) read through `open`, into two buffers in
 * turn: while the consumer sends one chunk, the next is read into the other. A fresh buffer per
 * chunk cost more CPU than the copies themselves (an mmap, page faults, and garbage collections
 * driven by a gigabyte of external memory).
 *
 * Reuse is safe because a buffer is refilled only after the consumer has asked for the chunk that
 * follows it. undici (7.x, client-h1 writeIterable) asks for the next chunk of an async-iterable
 * body only once socket.write() returned true or 'drain' fired; a write of at least the socket's
 * writableHighWaterMark never returns true, and 'drain' means every write has completed, so the
 * kernel (or TLS) holds its own copy by then. That is why a short read is continued rather than
 * handed out: every chunk but the last is a full `chunkSize`, far above that mark.
 */
async function* readChunks(open: () => Promise<PositionedBytes>, size: number, chunkSize: number, hashing?: Hashing): AsyncIterable<Uint8Array> {
  const pace = hashing && new HashPace(size, hashing.waitShare);
  const length = Math.min(chunkSize, size);
  // The hasher while the hash is kept. Made here, so that whatever fails below abandons it (a job
  // left open would keep the hashing thread alive).
  let hasher = hashing?.makeHasher(size);
  let input: PositionedBytes | undefined;
  let reading: Promise<number> | undefined;
  try {
    const bytesIn = (input = await open());
    // Hashing: the hasher reads the very buffers the upload sends from (see streamHash.ts).
    const buffers = hasher ? hasher.buffers(length) : [Buffer.allocUnsafeSlow(length), Buffer.allocUnsafeSlow(length)];
    const fill = (buffer: Buffer, position: number): Promise<number> => bytesIn.fill(buffer.subarray(0, Math.min(length, size - position)), position);
    let offset = 0;
    let turn = 0;
    reading = quiet(fill(buffers[0], 0));
    while (reading) {
      const bytes = await reading;
      reading = undefined;
      const chunk = buffers[turn].subarray(0, bytes);
      if (bytes > 0) {
        hasher?.add(turn, bytes);
      }
      offset += bytes;
      turn = (turn + 1) % buffers.length;
      // A short chunk is the end: of the size, or of a file that shrank (undici then reports the
      // Content-Length mismatch).
      if (bytes === length && offset < size) {
        const next = turn;
        let wait: Promise<void> | undefined;
        if (hasher) {
          const mustWait = !hasher.released(next);
          if (!pace!.keep(offset, hasher.starting, mustWait)) {
            // The hash would cost the upload more than it may: it is given up.
            hasher.abandon();
            hasher = undefined;
            hashing?.gaveUp?.();
          } else if (mustWait) {
            wait = hasher.whenReleased(next).then(pace!.waiting(hasher.starting));
          }
        }
        reading = quiet(wait ? wait.then(() => fill(buffers[next], offset)) : fill(buffers[next], offset));
      }
      if (bytes > 0) {
        yield chunk;
      }
    }
    if (hasher && offset === size) {
      const kept = hasher;
      hasher = undefined;
      try {
        hashing!.done(await kept.digest());
      } catch {
        // The hashing thread died: the record goes without a hash, the upload as it was.
        kept.abandon();
        hashing!.gaveUp?.();
      }
    }
  } finally {
    hasher?.abandon();
    // Never close the file under a read still in flight (an upload cancelled mid-chunk).
    await reading?.catch(() => undefined);
    await input?.close();
  }
}

/**
 * Whether a read may keep its hash, judged as it goes. The read waits for the hashing thread only
 * while its waits add up to less than the share (3%) of its time so far, or of the time the whole
 * upload would take at 2 GB/s if that is more (at its start an upload runs ahead of its pace: the
 * first megabytes only fill socket buffers). Waits while the thread starts do not count (a one-off
 * of about 15 ms, once per 30 s). And an upload that goes faster than 1 GB/s (its waits aside,
 * measured over 16 MiB after its first 16 MiB) is talking to a server on this machine or beside
 * it: the hash would take CPU that the upload and its server need, so it is given up at once.
 * Over the internet neither happens and the hash is kept. Files up to 64 MiB always keep it, and
 * a share of `Infinity` keeps it whatever it costs.
 */
export class HashPace {
  private readonly startedAt: number;
  /** Time spent waiting for the thread once it ran, ms. */
  private waited = 0;
  /** Time spent waiting for the thread, its start included, ms. */
  private stalled = 0;
  /** Where the upload's pace is measured from (after the burst). */
  private window?: { at: number; offset: number; stalled: number };

  constructor(
    private readonly size: number,
    private readonly share: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
  }

  /** At `offset` bytes read: whether the hash may be kept (and, if `mustWait`, waited for). */
  keep(offset: number, starting: boolean, mustWait: boolean): boolean {
    if (starting || this.share === Infinity || this.size <= ALWAYS_HASHED_BYTES) {
      return true;
    }
    const now = this.now();
    // The upload's pace is measured once the burst that fills the socket buffers is past.
    if (!this.window && offset >= PACE_PROBE_BYTES) {
      this.window = { at: now, offset, stalled: this.stalled };
    }
    if (this.window) {
      const read = offset - this.window.offset;
      const busy = now - this.window.at - (this.stalled - this.window.stalled);
      if (read >= PACE_PROBE_BYTES && read > LOCAL_UPLOAD_BYTES_PER_MS * Math.max(busy, 1)) {
        return false;
      }
    }
    return !mustWait || this.waited < this.share * Math.max(now - this.startedAt, this.size / FASTEST_UPLOAD_BYTES_PER_MS);
  }

  /** A wait for the thread begins: what to call when it ends. */
  waiting(starting: boolean): () => void {
    const since = this.now();
    return () => {
      const wait = this.now() - since;
      this.stalled += wait;
      if (!starting) {
        this.waited += wait;
      }
    };
  }
}

/** A read's hash: the hasher, what to call with the digest, and how long the read may wait for it. */
interface Hashing {
  readonly makeHasher: (size: number) => ChunkHasher;
  readonly done: (hex: string) => void;
  /** The share of the read's time so far that waiting for the hasher may add up to (0.03: 3%). */
  readonly waitShare: number;
  readonly gaveUp?: () => void;
}

/** Marks a read ahead as handled, so that it failing before anyone awaits it is no unhandled rejection. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * `source` with its SHA-256 taken inline as it is read (an image prepared before sending: its
 * edited bytes are what the record's hash must name).
 */
export function hashedSource(source: ByteSource): ByteSource {
  let digest: string | undefined;
  return {
    size: source.size,
    async *read(chunkSize) {
      digest = undefined;
      const sha = createHash('sha256');
      let read = 0;
      for await (const chunk of source.read(chunkSize)) {
        sha.update(chunk);
        read += chunk.byteLength;
        yield chunk;
      }
      digest = read === source.size ? sha.digest('hex') : undefined;
    },
    sha256: () => digest,
  };
}

export function memorySource(data: Uint8Array, hash = false): ByteSource {
  let digest: string | undefined;
  return {
    size: data.byteLength,
    async *read(chunkSize) {
      digest = undefined;
      const sha = hash ? createHash('sha256') : undefined;
      for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
        const chunk = data.subarray(offset, offset + chunkSize);
        sha?.update(chunk);
        yield chunk;
      }
      digest = sha?.digest('hex');
    },
    ...(hash ? { sha256: () => digest } : {}),
  };
}

/**
 * `multipart/form-data` with the parts the service documents (`file`, `uploadPath`, `fileName`),
 * streamed from the source with an exact Content-Length: the file is never held in memory.
 */
export function multipartBody(source: ByteSource, file: { name: string; type: string }, fields: Record<string, string>): RequestBody {
  const fileLike: FileLike = {
    name: file.name,
    type: file.type,
    size: source.size,
    lastModified: 0,
    stream: () => source.read(STREAM_CHUNK),
    [Symbol.toStringTag]: 'File',
  };
  const form = new EntryList([['file', fileLike], ...Object.entries(fields)]);
  const encoder = new FormDataEncoder(form);
  return {
    contentType: encoder.contentType,
    contentLength: Number(encoder.contentLength),
    // The encoder frames the parts; the file itself is read here in large chunks, because the
    // encoder's own encode() re-splits file data into 64 KiB copies.
    async *chunks() {
      for (const part of encoder.values()) {
        if (part instanceof Uint8Array) {
          yield part;
        } else {
          yield* source.read(STREAM_CHUNK);
        }
      }
    },
  };
}

/**
 * The base64 endpoint's JSON body, `base64Data` as a data URL, encoded chunk by chunk while it is
 * sent: the file never exists as a whole buffer, base64 string or JSON string.
 */
export function base64JsonBody(source: ByteSource, mimeType: string, fields: Record<string, string>): RequestBody {
  const head = Buffer.from(`{"base64Data":${JSON.stringify(`data:${mimeType};base64,`).slice(0, -1)}`);
  const tail = Buffer.from(`"${Object.entries(fields).map(([key, value]) => `,${JSON.stringify(key)}:${JSON.stringify(value)}`).join('')}}`);
  return {
    contentType: 'application/json',
    contentLength: head.byteLength + base64Length(source.size) + tail.byteLength,
    async *chunks() {
      yield head;
      yield* base64Chunks(source.read(BASE64_CHUNK));
      yield tail;
    },
  };
}

export function base64Length(size: number): number {
  return 4 * Math.ceil(size / 3);
}

/**
 * Encodes a byte stream to base64 text incrementally, whatever sizes its chunks come in. Yields
 * the text as strings: copying each into a Buffer would only add garbage (the socket encodes it).
 */
export async function* base64Chunks(chunks: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const bytes = carry.byteLength ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const whole = bytes.byteLength - (bytes.byteLength % 3);
    for (let start = 0; start < whole; start += BASE64_PIECE) {
      yield bytes.toString('base64', start, Math.min(whole, start + BASE64_PIECE));
    }
    carry = Buffer.from(bytes.subarray(whole));
  }
  if (carry.byteLength) {
    yield carry.toString('base64');
  }
}

async function* emptyChunks(): AsyncIterable<Uint8Array> {
  // A zero-byte file has nothing to read; opening it would still cost a file handle.
}

// eslint-disable-next-line require-yield
async function* emptyHashed(done: (hex: string) => void): AsyncIterable<Uint8Array> {
  done(createHash('sha256').digest('hex'));
}

/** The minimal FormData that form-data-encoder accepts, so a file part can stay a lazy stream. */
class EntryList implements FormDataLike {
  readonly [Symbol.toStringTag] = 'FormData';
  constructor(private readonly list: Array<[string, FormDataEntryValue]>) {}
  append(name: string, value: unknown): void {
    this.list.push([name, value as FormDataEntryValue]);
  }
  getAll(name: string): FormDataEntryValue[] {
    return this.list.filter(([key]) => key === name).map(([, value]) => value);
  }
  entries(): IterableIterator<[string, FormDataEntryValue]> {
    return this.list[Symbol.iterator]();
  }
  [Symbol.iterator](): IterableIterator<[string, FormDataEntryValue]> {
    return this.entries();
  }
}
