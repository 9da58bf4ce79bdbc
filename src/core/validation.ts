import { UploadError } from './errors';

/** The service recommends base64 only up to 10 MB; larger files belong on the stream endpoint. */
export const BASE64_LIMIT_BYTES = 10 * 1024 * 1024;
/** Longer URLs are refused before any request: no real file link needs more. */
export const MAX_URL_LENGTH = 8192;
export const MAX_FILE_NAME_BYTES = 255;
export const MAX_UPLOAD_PATH_LENGTH = 1024;

// C0/C1 controls (matching them is the point here), plus the bidi overrides that can make `gnp.exe` read as `exe.png`.
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Checks a remote URL the service is asked to fetch: absolute http(s), no credentials, sane length.
 * Returns the trimmed URL in its parsed, normalised form.
 */
export function validateRemoteUrl(input: string): string {
  const text = typeof input === 'string' ? input.trim() : '';
  if (!text) {
    throw new UploadError('invalid-input', 'Enter the URL of the file to upload.');
  }
  if (text.length > MAX_URL_LENGTH) {
    throw new UploadError('invalid-input', `The URL is ${text.length} characters long; at most ${MAX_URL_LENGTH} are accepted.`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UploadError('invalid-input', `"${shorten(text)}" is not an absolute URL. Use a link that starts with https:// or http://.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UploadError('invalid-input', `Only http:// and https:// links can be uploaded, not ${url.protocol} links.`);
  }
  if (!url.hostname) {
    throw new UploadError('invalid-input', `"${shorten(text)}" has no host name.`);
  }
  if (url.username || url.password) {
    // The service would receive the credentials, and the link would land in the history.
    throw new UploadError('invalid-input', 'The URL contains a user name or password. Remove them: links with credentials are not uploaded.');
  }
  return url.href;
}

/**
 * Makes a file name safe to send: path separators become `_`, control and bidi-override characters
 * are removed, and the name is cut to 255 UTF-8 bytes keeping its extension.
 * Letters of any script and emoji are kept as they are.
 */
export function sanitizeFileName(input: string): string {
  let name = String(input ?? '').normalize('NFC').replace(/[/\\]/g, '_').replace(UNSAFE_NAME_CHARS, '');
  name = name.trim().replace(/[. ]+$/, '');
  if (!name || /^\.+$/.test(name)) {
    throw new UploadError('invalid-input', `"${shorten(String(input ?? ''))}" is not a usable file name.`);
  }
  return truncateUtf8KeepingExtension(name, MAX_FILE_NAME_BYTES);
}

/**
 * Normalises an `uploadPath`: `\` becomes `/`, empty and `.` segments go, trailing slashes go.
 * Absolute paths, `..` segments and control characters are refused.
 */
export function normalizeUploadPath(input: string): string {
  const text = String(input ?? '').trim().replace(/\\/g, '/');
  if (!text) {
    throw new UploadError('invalid-input', 'The upload path is empty. Set kieUpload.uploadPath, for example to "vscode-uploads".');
  }
  if (text.startsWith('/') || /^[a-zA-Z]:/.test(text)) {
    throw new UploadError('invalid-input', `The upload path "${shorten(text)}" must be relative (a folder name such as "images"), not absolute.`);
  }
  if (CONTROL_CHARS.test(text)) {
    throw new UploadError('invalid-input', 'The upload path contains control characters.');
  }
  const segments = text.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new UploadError('invalid-input', `The upload path "${shorten(text)}" may not contain "..".`);
  }
  const path = segments.join('/');
  if (!path) {
    throw new UploadError('invalid-input', `The upload path "${shorten(text)}" names no folder.`);
  }
  if (path.length > MAX_UPLOAD_PATH_LENGTH) {
    throw new UploadError('invalid-input', `The upload path is longer than ${MAX_UPLOAD_PATH_LENGTH} characters.`);
  }
  return path;
}

/** Refuses the base64 endpoint for files the service says belong on the stream endpoint. */
export function checkBase64Size(sizeBytes: number, label: string): void {
  if (sizeBytes > BASE64_LIMIT_BYTES) {
    throw new UploadError(
      'too-large',
      `${label} is ${formatBytes(sizeBytes)}; base64 uploads are limited to ${formatBytes(BASE64_LIMIT_BYTES)}. Upload it as a stream instead.`,
    );
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

function truncateUtf8KeepingExtension(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) {
    return name;
  }
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const stem = name.slice(0, name.length - extension.length);
  const budget = maxBytes - Buffer.byteLength(extension);
  let kept = '';
  let used = 0;
  for (const codePoint of stem) {
    const size = Buffer.byteLength(codePoint);
    if (used + size > budget) {
      break;
    }
    kept += codePoint;
    used += size;
  }
  return kept + extension;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
