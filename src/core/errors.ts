import type { ErrorCode } from './types';
import * as l10n from '@vscode/l10n';

/** Marks every UploadError, whichever copy of this module made it (see `Symbol.hasInstance`). */
const BRAND: unique symbol = Symbol.for('kieUpload.UploadError');

/**
 * The one error type the core throws for an upload that did not succeed.
 * `message` is written for the user; `status` keeps the HTTP status when there was one.
 */
export class UploadError extends Error {
  /**
   * The engine runs from a bundle of its own (dist/engine.js) with its own copy of this class, so
   * `instanceof` asks for the brand rather than for this copy's prototype.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  readonly [BRAND] = true;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message);
    this.name = 'UploadError';
  }

  /** Failures worth another attempt: the service or the network may do better next time. */
  get retryable(): boolean {
    return this.code === 'server' || this.code === 'network';
  }
}

export function isUploadError(value: unknown): value is UploadError {
  return value instanceof UploadError;
}

export function cancelledError(): UploadError {
  return new UploadError('cancelled', l10n.t('The upload was cancelled.'));
}

/** Maps an HTTP status (or an envelope `code`) to the error kind the user is shown. */
export function errorCodeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) {
    return 'unauthorized';
  }
  if (status === 405) {
    return 'method-not-allowed';
  }
  if (status === 408) {
    return 'timeout';
  }
  if (status === 413) {
    return 'too-large';
  }
  if (status === 429 || status >= 500) {
    return 'server';
  }
  if (status === 404) {
    // The API answers 404 only for a path it does not serve: a wrong base URL, not a missing file.
    return 'protocol';
  }
  return 'bad-request';
}
