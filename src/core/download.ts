import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { isLoopbackHost } from './endpoint';
import { UploadError } from './errors';
import * as l10n from '@vscode/l10n';

/** Public file links need no key; a CDN may still send a download through a few redirects. */
export const MAX_DOWNLOAD_REDIRECTS = 5;

// C0/C1 controls and the bidi overrides that can make `gnp.exe` read as `exe.png`.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Characters Windows refuses in file names; `/` and `\` would also make a path of the name. */
const SEPARATORS_AND_RESERVED = /[/\\<>:"|?*]/g;
const WINDOWS_DEVICE_NAMES = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;
const MAX_NAME_BYTES = 200;

/**
 * The service's `fileName` made safe to be one segment of a local path: no separators (so no
 * `../`), no control characters, no leading dots (no hidden files, no `..`), no Windows device
 * names, at most 200 UTF-8 bytes with its extension kept. Never empty: `download` when nothing usable is left.
 */
export function localFileName(fileName: unknown): string {
  let name = String(typeof fileName === 'string' ? fileName : '')
    .normalize('NFC')
    .replace(UNSAFE_CHARS, '')
    .replace(SEPARATORS_AND_RESERVED, '_')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (WINDOWS_DEVICE_NAMES.test(name)) {
    name = `_${name}`;
  }
  name = shortenKeepingExtension(name, MAX_NAME_BYTES);
  return name && !/^_+$/.test(name) ? name : 'download';
}

/**
 * The first of `name`, `name (1).ext`, `name (2).ext`, … that does not exist yet (asked through
 * `exists`): the proposed save location never points at a file the user already has.
 */
export async function freeFileName(name: string, exists: (candidate: string) => PromiseLike<boolean> | boolean): Promise<string> {
  const extension = /.(\.[\p{L}\p{N}]{1,16})$/u.exec(name)?.[1] ?? '';
  const stem = name.slice(0, name.length - extension.length);
  for (let n = 0; n < 1000; n++) {
    const candidate = n === 0 ? name : `${stem} (${n})${extension}`;
    if (!(await exists(candidate))) {
      return candidate;
    }
  }
  return `${stem} (${randomBytes(4).toString('hex')})${extension}`;
}

/** The name a save dialog proposes for a hosted file: its service name made safe, and free in the folder. */
export function suggestDownloadName(fileName: unknown, exists: (candidate: string) => PromiseLike<boolean> | boolean): Promise<string> {
  return freeFileName(localFileName(fileName), exists);
}

/**
 * The temporary file a download streams into: in the destination's own folder (so the final rename
 * never crosses file systems and replaces the destination in one step), hidden, and unique.
 */
export function temporaryDownloadPath(destination: string): string {
  const name = shortenKeepingExtension(basename(destination), 100);
  return join(dirname(destination), `.${name}.${randomBytes(6).toString('hex')}.kie-download`);
}

/** Whether a temporary file left by a download: tests and clean-ups look for these. */
export function isTemporaryDownload(fileName: string): boolean {
  return /^\..*\.[0-9a-f]{12}\.kie-download$/.test(fileName);
}

/**
 * Where a redirect of a download may lead: https anywhere, http only on this machine (the emulator,
 * a local test server). Throws the user's explanation otherwise.
 */
export function checkRedirect(from: string, location: unknown, followed: number): string {
  if (followed >= MAX_DOWNLOAD_REDIRECTS) {
    throw new UploadError('protocol', l10n.t('The file link redirected more than {0} times; the download was stopped.', MAX_DOWNLOAD_REDIRECTS));
  }
  const text = Array.isArray(location) ? location[0] : location;
  if (typeof text !== 'string' || !text || !URL.canParse(text, from)) {
    throw new UploadError('protocol', l10n.t('The file host answered with a redirect that leads nowhere.'));
  }
  const target = new URL(text, from);
  const allowed = target.protocol === 'https:' || (target.protocol === 'http:' && isLoopbackHost(target.hostname));
  if (!allowed || target.username || target.password) {
    throw new UploadError('protocol', l10n.t('The file link redirected to {0}, which is not an https:// address; the download was stopped.', `${target.protocol}//${target.host}`));
  }
  return target.href;
}

function shortenKeepingExtension(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) {
    return name;
  }
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  let budget = maxBytes - Buffer.byteLength(extension);
  let stem = '';
  for (const char of name.slice(0, name.length - extension.length)) {
    budget -= Buffer.byteLength(char);
    if (budget < 0) {
      break;
    }
    stem += char;
  }
  return stem + extension;
}
