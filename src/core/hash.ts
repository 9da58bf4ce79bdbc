import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

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
