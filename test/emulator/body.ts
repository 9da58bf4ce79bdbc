/**
 * Reading request bodies: byte accounting, bounded JSON parsing, and streaming to disk.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from './http';

/**
 * A pass-through that counts the bytes of a request body. Every handler reads the body through
 * one of these, so byte statistics and the "reset after N bytes" fault live in one place.
 */
export class BodyMeter extends Transform {
  bytes = 0;

  constructor(private readonly onChunk: (chunkBytes: number, totalBytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.onChunk(chunk.length, this.bytes);
    callback(null, chunk);
  }
}

/** Reads `body` to its end, discarding it. Resolves on end, rejects if the client goes away. */
export function drain(body: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    body.once('end', resolve);
    body.once('error', reject);
    body.resume();
  });
}

/**
 * Reads a JSON object body of at most `maxBytes`.
 * Over the cap: 413 (as a proxy in front of the service would answer) and reading stops; the
 * server drains the rest. Malformed JSON or a non-object: 400.
 */
export async function readJsonObject(body: Readable, maxBytes: number): Promise<Record<string, unknown>> {
  const raw = await readBounded(body, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ApiError(400, 'Request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(400, 'Request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function readBounded(body: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const stop = (): void => {
      body.off('data', onData).off('end', onEnd).off('error', reject);
      body.pause();
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        stop();
        reject(new ApiError(413, `Request body exceeds ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks, total));
    };
    body.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

/** A byte cap for {@link streamToFile}, with the message to answer when it is exceeded. */
export interface ByteLimit {
  maxBytes: number;
  message: string;
}

/**
 * Streams `source` into a new file at `filePath` (never buffering it whole) and returns the
 * number of bytes written. On any failure (source error, client abort, cap exceeded, disk error)
 * the partial file is removed and the error rethrown.
 */
export async function streamToFile(source: Readable, filePath: string, limit?: ByteLimit): Promise<number> {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (limit && size > limit.maxBytes) {
        callback(new ApiError(400, limit.message));
        return;
      }
      callback(null, chunk);
    },
  });
  const file = createWriteStream(filePath, { flags: 'wx' });
  try {
    await pipeline(source, counter, file);
    return size;
  } catch (err) {
    // pipeline rejects on the first error without waiting for the file to close; a stream
    // destroyed while still opening creates the file afterwards, so removing it any earlier
    // could leave an empty temp file behind.
    if (!file.closed) {
      await new Promise<void>((resolve) => file.once('close', () => resolve()));
    }
    await rm(filePath, { force: true });
    throw err;
  }
}
