import { UploadError } from './errors';
import * as l10n from '@vscode/l10n';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** True for hosts that never leave this machine: 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Checks the API base URL the key will be sent to: https, or http only on loopback
 * (the local emulator), no credentials, no query. Returns it without a trailing slash.
 */
export function validateBaseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(String(input ?? '').trim());
  } catch {
    throw new UploadError('invalid-input', l10n.t('kieUpload.baseUrl "{0}" is not a valid URL.', input));
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UploadError(
      'invalid-input',
      l10n.t('kieUpload.baseUrl uses http:// for {0}: the API key would travel unencrypted. Use https://, or http:// only for a local emulator on 127.0.0.1.', url.hostname),
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UploadError('invalid-input', l10n.t('kieUpload.baseUrl must be an https:// URL, not {0}.', url.protocol));
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new UploadError('invalid-input', l10n.t('kieUpload.baseUrl must not contain credentials, a query or a fragment.'));
  }
  return url.href.replace(/\/+$/, '');
}

export const ENDPOINTS = {
  stream: '/api/file-stream-upload',
  base64: '/api/file-base64-upload',
  url: '/api/file-url-upload',
} as const;
