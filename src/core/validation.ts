import { UploadError } from './errors';
import * as l10n from '@vscode/l10n';

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
    throw new UploadError('invalid-input', l10n.t('Enter the URL of the file to upload.'));
  }
  if (text.length > MAX_URL_LENGTH) {
    throw new UploadError('invalid-input', l10n.t('The URL is {0} characters long; at most {1} are accepted.', text.length, MAX_URL_LENGTH));
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UploadError('invalid-input', l10n.t('"{0}" is not an absolute URL. Use a link that starts with https:// or http://.', shorten(text)));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UploadError('invalid-input', l10n.t('Only http:// and https:// links can be uploaded, not {0} links.', url.protocol));
  }
  if (!url.hostname) {
    throw new UploadError('invalid-input', l10n.t('"{0}" has no host name.', shorten(text)));
  }
  if (url.username || url.password) {
    // The service would receive the credentials, and the link would land in the history.
    throw new UploadError('invalid-input', l10n.t('The URL contains a user name or password. Remove them: links with credentials are not uploaded.'));
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
    throw new UploadError('invalid-input', l10n.t('"{0}" is not a usable file name.', shorten(String(input ?? ''))));
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
    throw new UploadError('invalid-input', l10n.t('The upload path is empty. Set kieUpload.uploadPath, for example to "vscode-uploads".'));
  }
  if (text.startsWith('/') || /^[a-zA-Z]:/.test(text)) {
    throw new UploadError('invalid-input', l10n.t('The upload path "{0}" must be relative (a folder name such as "images"), not absolute.', shorten(text)));
  }
  if (CONTROL_CHARS.test(text)) {
    throw new UploadError('invalid-input', l10n.t('The upload path contains control characters.'));
  }
  const segments = text.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new UploadError('invalid-input', l10n.t('The upload path "{0}" may not contain "..".', shorten(text)));
  }
  const path = segments.join('/');
  if (!path) {
    throw new UploadError('invalid-input', l10n.t('The upload path "{0}" names no folder.', shorten(text)));
  }
  if (path.length > MAX_UPLOAD_PATH_LENGTH) {
    throw new UploadError('invalid-input', l10n.t('The upload path is longer than {0} characters.', MAX_UPLOAD_PATH_LENGTH));
  }
  return path;
}

/** Refuses the base64 endpoint for files the service says belong on the stream endpoint. */
export function checkBase64Size(sizeBytes: number, label: string): void {
  if (sizeBytes > BASE64_LIMIT_BYTES) {
    throw new UploadError(
      'too-large',
      l10n.t('{0} is {1}; base64 uploads are limited to {2}. Upload it as a stream instead.', label, formatBytes(sizeBytes), formatBytes(BASE64_LIMIT_BYTES)),
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
