/**
 * Reading request bodies: byte accounting, bounded JSON parsing, and streaming to disk.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { FileWriter } from './fileWriter';
import { ApiError } from './http';

/**
 * Above Node's default 16 KiB, so that the 64 KiB chunks of a socket read pass through without
 * pausing the request after every one of them (which made the emulator the slowest part of a
 * loopback upload); a consumer that stops reading still stops the socket within a few MiB.
 */
const METER_HIGH_WATER_MARK = 1024 * 1024;

/**
 * A pass-through that counts the bytes of a request body. Every handler reads the body through
 * one of these, so byte statistics and the "reset after N bytes" fault live in one place.
 */
export class BodyMeter extends Transform {
  bytes = 0;

  constructor(private readonly onChunk: (chunkBytes: number, totalBytes: number) => void) {
    super({ highWaterMark: METER_HIGH_WATER_MARK });
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
 * number of bytes written. On any failure (source error, cap exceeded, disk error) the source is
 * destroyed, the partial file removed and the error rethrown.
 */
export function streamToFile(source: Readable, filePath: string, limit?: ByteLimit): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const writer = new FileWriter(filePath, { onDrain: () => source.resume(), onError: (err) => fail(err) });
    const stop = (): void => {
      settled = true;
      source.off('data', onData).off('end', onEnd).off('error', fail);
    };
    function fail(err: unknown): void {
      if (settled) {
        return;
      }
      stop();
      source.on('error', () => undefined).destroy();
      void writer.abort().catch(() => undefined).then(() => reject(err));
    }
    function onData(chunk: Buffer): void {
      if (limit && writer.size + chunk.length > limit.maxBytes) {
        return fail(new ApiError(400, limit.message));
      }
      if (!writer.write(chunk)) {
        source.pause();
      }
    }
    function onEnd(): void {
      writer.finish().then((size) => {
        if (!settled) {
          stop();
          resolve(size);
        }
      }, fail);
    }
    source.on('data', onData).once('end', onEnd).once('error', fail);
  });
}
