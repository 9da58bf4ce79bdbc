import { constants as fsConstants, promises as fs } from 'node:fs';
import { UploadError } from './errors';
import * as l10n from '@vscode/l10n';

/** Size of a regular, readable, non-empty file; anything else is refused before a request. */
export async function readableFileSize(path: string, label: string): Promise<number> {
  let stats;
  try {
    stats = await fs.stat(path);
    await fs.access(path, fsConstants.R_OK);
  } catch (error) {
    throw new UploadError('not-found', l10n.t('{0} cannot be read: {1}.', label, describeFsError(error)), { cause: error });
  }
  if (stats.isDirectory()) {
    throw new UploadError('invalid-input', l10n.t('{0} is a folder; choose the files in it.', label));
  }
  if (!stats.isFile()) {
    // FIFOs, sockets and devices such as /dev/zero never end or never start.
    throw new UploadError('invalid-input', l10n.t('{0} is not a regular file (a device, pipe or socket) and cannot be uploaded.', label));
  }
  if (stats.size === 0) {
    throw new UploadError('invalid-input', l10n.t('{0} is empty (0 bytes): there is nothing to upload.', label));
  }
  return stats.size;
}

/** Files up to this size are read whole before their request (see `readSmallFile`). */
export const SMALL_FILE_BYTES = 64 * 1024;

/**
 * The whole content of a regular file of 1 byte to {@link SMALL_FILE_BYTES}, in one open: a folder
 * of thousands of small files costs four file-system calls each, not eight. Undefined for anything
 * else (larger, empty, not a regular file, unreadable, changing while read), which then takes the
 * path with its clear errors. Opened without blocking, so a FIFO is refused, not waited on.
 */
export async function readSmallFile(path: string): Promise<Uint8Array | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size === 0 || stats.size > SMALL_FILE_BYTES) {
      return undefined;
    }
    const data = Buffer.allocUnsafe(stats.size);
    // Shorter than it was a moment ago: the other path tells what it is now.
    return (await readFully(handle, data, 0)) === data.byteLength ? data : undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Reads into `buffer` from `position` until it is full or the file ends (a read may return fewer
 * bytes than asked); resolves with how many bytes it holds.
 */
export async function readFully(handle: fs.FileHandle, buffer: Uint8Array, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.byteLength) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, position + filled);
    if (bytesRead === 0) {
      break;
    }
    filled += bytesRead;
  }
  return filled;
}

export function describeFsError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException)?.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'the file does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return (error as Error)?.message ?? String(error);
  }
}
