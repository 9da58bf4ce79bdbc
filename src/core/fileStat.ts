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
