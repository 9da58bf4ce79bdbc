/**
 * Validation and generation of the names the emulator stores files under.
 *
 * Everything a client sends (uploadPath, fileName, a multipart filename, a URL's last segment)
 * ends up as a path below the storage directory, so it is checked here once, strictly: the
 * emulator must never write outside its storage directory, whatever it is sent.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { extension as extensionForMime, lookup as mimeForName } from 'mime-types';
import { ApiError } from './http';

const GENERIC_MIME = 'application/octet-stream';
/** Common file-system limit on one name component, in bytes. */
const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 1024;
// Control characters (including NUL) are never valid in a stored name.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Checks one path component: non-empty, no separators, not `.`/`..`, no control characters.
 * Backslashes are rejected too, so a Windows-style `..\x` can never become a traversal.
 */
function checkSegment(segment: string, what: string): void {
  if (segment === '' || segment === '.' || segment === '..') {
    throw new ApiError(400, `${what} contains an empty, '.' or '..' segment`);
  }
  if (segment.includes('\\') || CONTROL_CHARS.test(segment)) {
    throw new ApiError(400, `${what} contains a backslash or a control character`);
  }
  if (Buffer.byteLength(segment) > MAX_NAME_BYTES) {
    throw new ApiError(400, `${what} has a name component longer than ${MAX_NAME_BYTES} bytes`);
  }
}

/**
 * Normalises and validates `uploadPath`.
 *
 * The reference pages show `uploadPath` as required while the quickstart treats it as optional;
 * the emulator follows the reference pages and requires it (400 "uploadPath is required"), which
 * is the stricter behaviour, so a client that works against the emulator works against both.
 * A single trailing slash ("images/") is tolerated; absolute paths, drive letters, empty
 * segments and `.`/`..` segments are rejected.
 */
export function checkUploadPath(value: unknown): string {
  if (value === undefined || value === null || value === '') {
    throw new ApiError(400, 'uploadPath is required');
  }
  if (typeof value !== 'string') {
    throw new ApiError(400, 'uploadPath must be a string');
  }
  if (value.startsWith('/') || value.startsWith('\\') || /^[A-Za-z]:/.test(value)) {
    throw new ApiError(400, 'uploadPath must be a relative path');
  }
  if (Buffer.byteLength(value) > MAX_PATH_BYTES) {
    throw new ApiError(400, `uploadPath is longer than ${MAX_PATH_BYTES} bytes`);
  }
  const trimmed = value.endsWith('/') ? value.slice(0, -1) : value;
  for (const segment of trimmed.split('/')) {
    checkSegment(segment, 'uploadPath');
  }
  return trimmed;
}

/** Validates an explicit `fileName`: a single path component. `undefined` when absent. */
export function checkFileName(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new ApiError(400, 'fileName must be a string');
  }
  if (value.includes('/')) {
    throw new ApiError(400, 'fileName must not contain a path separator');
  }
  checkSegment(value, 'fileName');
  return value;
}

/** `name` when it would pass {@link checkFileName}, else `undefined` (for names we only borrow). */
export function safeFileName(name: string | undefined): string | undefined {
  try {
    return checkFileName(name);
  } catch {
    return undefined;
  }
}

/**
 * The name the service invents when `fileName` is omitted: random hex, keeping the extension of
 * the original name, or else one derived from the MIME type.
 */
export function randomFileName(originalName: string | undefined, mimeType: string | undefined): string {
  const fromName = originalName ? path.extname(originalName) : '';
  const fromMime = mimeType && mimeType !== GENERIC_MIME ? extensionForMime(mimeType) : false;
  const ext = fromName || (fromMime ? `.${fromMime}` : '');
  return `${randomBytes(6).toString('hex')}${ext}`;
}

/** A fresh, opaque file id in the style of the quickstart's `file_abc123456`. */
export function newFileId(): string {
  return `file_${randomBytes(8).toString('hex')}`;
}

/** The essence of a Content-Type header (`image/png; charset=x` → `image/png`), lower-cased. */
export function mimeEssence(contentType: string | undefined): string | undefined {
  const essence = contentType?.split(';')[0].trim().toLowerCase();
  return essence || undefined;
}

/**
 * The MIME type to record: the type the client declared, unless that is missing or the generic
 * `application/octet-stream` (what curl and most clients send when they do not know), in which
 * case it is looked up from the stored file's extension. `declaredIsGuess` marks a declared type
 * that may be a parser default rather than the client's word (multipart.ts reports `text/plain` for a
 * file part without a Content-Type, as RFC 7578 says, and Python `requests` sends none): then the
 * extension wins when it is known.
 */
export function chooseMimeType(declared: string | undefined, fileName: string, declaredIsGuess = false): string {
  const essence = mimeEssence(declared);
  const byName = mimeForName(fileName) || undefined;
  if (essence && essence !== GENERIC_MIME && !(declaredIsGuess && byName)) {
    return essence;
  }
  return byName ?? essence ?? GENERIC_MIME;
}
