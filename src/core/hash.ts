import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Files are read once more before sending (their SHA-256: finding a live link of the same bytes,
 * and a changed photo's own hash kept for that) only up to this size.
 */
export const HASHED_BEFORE_SENDING_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The SHA-256 of a file on disk, hex, read as a stream (never held in memory): what finding a live
 * link for the same bytes, a `${hash:N}` name or a keep-alive renewal costs, one read of the file.
 */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** The SHA-256 of bytes in memory, hex. */
export function sha256OfBytes(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
