import { extension, lookup } from 'mime-types';

/** The MIME type for a file name, from the maintained mime-db tables. */
export function mimeTypeFor(fileName: string): string {
  return lookup(fileName) || 'application/octet-stream';
}

/** The usual file extension for a MIME type (`png` for `image/png`), `bin` when unknown. */
export function mimeExtension(mimeType: string): string {
  return extension(mimeType) || 'bin';
}
