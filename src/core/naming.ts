import { randomBytes } from 'node:crypto';

/**
 * How uploads are named on the file host.
 * - `uniqueFolder` (default): `<uploadPath>/<random id>/<file name>`. The link ends in the file's
 *   own name, and no upload can overwrite an earlier one: two `image.png` from different folders,
 *   or the same name uploaded twice, get different links.
 * - `original`: `<uploadPath>/<file name>`. Uploading the same name again replaces the file behind
 *   the earlier link (the service overwrites it), which some users want for stable links.
 */
export type NamingScheme = 'uniqueFolder' | 'original';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** `size` random lowercase letters and digits, without the look-alikes l, o, 0 and 1. */
export function randomLetters(size: number, random: (size: number) => Uint8Array = randomBytes): string {
  return Array.from(random(size), (byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

/** A short random folder name (10 characters, about 50 bits): collisions are not a practical concern. */
export function uniqueFolderName(random: (size: number) => Uint8Array = randomBytes): string {
  return randomLetters(10, random);
}

/** The upload path an upload goes to under the scheme, unless the caller chose one. */
export function uploadPathFor(basePath: string, scheme: NamingScheme, random?: (size: number) => Uint8Array): string {
  return scheme === 'uniqueFolder' ? `${basePath.replace(/\/+$/, '')}/${uniqueFolderName(random)}` : basePath;
}

/**
 * A file name taken from a URL's last path segment, when it looks like one (`report.pdf`);
 * undefined otherwise, and the service then invents a name.
 */
export function fileNameFromUrl(url: string): string | undefined {
  let segment: string;
  try {
    const path = new URL(url).pathname;
    segment = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  } catch {
    return undefined;
  }
  return /^[^/\\]+\.[A-Za-z0-9]{1,10}$/.test(segment) ? segment : undefined;
}
