import { lookup } from 'mime-types';

/** The MIME type for a file name, from the maintained mime-db tables. */
export function mimeTypeFor(fileName: string): string {
  return lookup(fileName) || 'application/octet-stream';
}
