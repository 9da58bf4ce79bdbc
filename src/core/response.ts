import { UploadError, errorCodeForStatus } from './errors';
import type { UploadMethod, UploadRecord } from './types';
import * as l10n from '@vscode/l10n';

/** What the client knew before the service answered, used where the response is silent. */
export interface ResponseContext {
  method: UploadMethod;
  source: string;
  requestedFileName?: string;
  requestedUploadPath: string;
  knownSize?: number;
  knownMimeType?: string;
  retentionHours: number;
  now: Date;
}

/**
 * Turns a parsed response body into an `UploadRecord`, accepting both documented success shapes
 * (quickstart: fileUrl/uploadTime/expiresAt; reference: filePath/uploadedAt).
 * Anything else throws an `UploadError`: the service's own failure, or `protocol`.
 */
export function normalizeUploadResponse(body: unknown, context: ResponseContext): UploadRecord {
  const envelope = asObject(body);
  if (!envelope) {
    throw new UploadError('protocol', l10n.t('The service answered with something other than a JSON object.'));
  }
  throwIfEnvelopeFailed(envelope);
  const data = asObject(envelope.data);
  if (!data) {
    throw new UploadError('protocol', l10n.t('The service reported success but sent no file details.'));
  }

  const downloadUrl = httpUrl(data.downloadUrl);
  const fileUrl = httpUrl(data.fileUrl);
  const url = fileUrl ?? downloadUrl;
  if (!url) {
    throw new UploadError('protocol', l10n.t('The service reported success but sent no link to the file.'));
  }
  const filePath = text(data.filePath);
  const fileName = text(data.fileName) ?? context.requestedFileName ?? lastSegment(url);
  const uploadPath = text(data.uploadPath) ?? (filePath ? parentPath(filePath) : undefined) ?? context.requestedUploadPath;
  const uploadedAt = date(data.uploadTime) ?? date(data.uploadedAt) ?? context.now;
  const expiresAt = date(data.expiresAt) ?? new Date(uploadedAt.getTime() + context.retentionHours * 3_600_000);

  return {
    id: text(data.fileId) ?? `${uploadPath}/${fileName}`,
    fileName,
    fileSize: size(data.fileSize) ?? context.knownSize ?? 0,
    mimeType: text(data.mimeType) ?? context.knownMimeType ?? 'application/octet-stream',
    uploadPath,
    url,
    downloadUrl: downloadUrl ?? url,
    uploadedAt: uploadedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    method: context.method,
    source: context.source,
  };
}

/**
 * A failure the service reported in the envelope (`success: false`, or a `code` other than 200),
 * even under HTTP 200. Its `msg` is what the user sees.
 */
export function throwIfEnvelopeFailed(envelope: Record<string, unknown>): void {
  const code = typeof envelope.code === 'number' ? envelope.code : undefined;
  if (envelope.success === true && (code === undefined || code === 200)) {
    return;
  }
  const message = serviceMessage(envelope) ?? 'The service reported a failure without a reason.';
  if (code === 401 || code === 403) {
    throw new UploadError('unauthorized', l10n.t('The service rejected the API key (code {0}): {1}', code, message), { status: code });
  }
  if (code !== undefined && code !== 200) {
    throw new UploadError(errorCodeForStatus(code), message, { status: code });
  }
  if (envelope.success === false) {
    throw new UploadError('bad-request', message);
  }
  throw new UploadError('protocol', l10n.t('The service answered without saying whether the upload succeeded.'));
}

/** The service's `msg`, trimmed and bounded so a hostile body cannot flood a notification. */
export function serviceMessage(envelope: Record<string, unknown> | undefined): string | undefined {
  const msg = envelope ? text(envelope.msg) ?? text(envelope.message) : undefined;
  return msg ? msg.replace(/\s+/g, ' ').slice(0, 500) : undefined;
}

export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function httpUrl(value: unknown): string | undefined {
  const candidate = text(value);
  if (!candidate) {
    return undefined;
  }
  try {
    const url = new URL(candidate);
    // A link the user may open or paste: never javascript:, file: or data:.
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const MAX_SAFE_TIME = 8.64e15 - 1e13;

function date(value: unknown): Date | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') {
    return undefined;
  }
  const time = new Date(value).getTime();
  // Keep clear of the Date range's edge so adding the retention can never overflow it.
  return Number.isFinite(time) && Math.abs(time) < MAX_SAFE_TIME ? new Date(time) : undefined;
}

function size(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

function lastSegment(url: string): string {
  const path = new URL(url).pathname;
  const segment = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(segment) || 'file';
  } catch {
    return segment || 'file';
  }
}

function parentPath(filePath: string): string | undefined {
  const slash = filePath.lastIndexOf('/');
  return slash > 0 ? filePath.slice(0, slash) : undefined;
}
