import type { Dispatcher } from 'undici';
import { UploadError, cancelledError, errorCodeForStatus } from './errors';
import { asObject, serviceMessage, throwIfEnvelopeFailed } from './response';
import { parseRetryAfter } from './retry';
import { readBounded, type IdleWatch, type Timeouts } from './transport';
import * as l10n from '@vscode/l10n';

/**
 * From what the wire gave to what the user reads: the service's answer checked into its envelope
 * or an UploadError, and network failures named in words.
 */

const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Reads a bounded response and returns the successful envelope, or throws what went wrong. */
export async function readEnvelope(response: Dispatcher.ResponseData): Promise<Record<string, unknown>> {
  const { statusCode, headers } = response;
  const text = await readBounded(response.body, MAX_RESPONSE_BYTES);
  if (statusCode >= 300 && statusCode < 400) {
    // Following a redirect could carry the key to another host; the API never needs one.
    throw new UploadError('protocol', l10n.t('The service answered with a redirect (HTTP {0}) to {1}; check kieUpload.baseUrl.', statusCode, String(headers.location ?? 'nowhere')), {
      status: statusCode,
    });
  }
  const envelope = asObject(parseJson(text));
  if (statusCode < 200 || statusCode >= 300) {
    const message = describeStatus(statusCode, serviceMessage(envelope));
    throw new UploadError(errorCodeForStatus(statusCode), message, {
      status: statusCode,
      retryAfterMs: parseRetryAfter(headers['retry-after']),
    });
  }
  if (!envelope) {
    throw new UploadError('protocol', l10n.t('The service\'s answer was not the expected JSON: {0}.', describeBody(text)), { status: statusCode });
  }
  throwIfEnvelopeFailed(envelope);
  return envelope;
}

/** The user's sentence for an HTTP failure: what it means, then the service's own words. */
export function describeStatus(status: number, serviceMsg: string | undefined): string {
  const said = serviceMsg ? `: ${serviceMsg}` : '';
  if (status === 401 || status === 403) {
    return `The service rejected the API key (HTTP ${status})${said}. Set a valid key with "Kie File Upload: Set API Key".`;
  }
  return serviceMsg ?? `The service answered HTTP ${status}.`;
}

function parseJson(text: string): unknown {
  try {
    return text.trim() ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function describeBody(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) {
    return 'it was empty';
  }
  if (trimmed.startsWith('<')) {
    return 'it was an HTML page';
  }
  return `it began "${trimmed.slice(0, 40).replace(/\s+/g, ' ')}"`;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed while sending',
  ENOTFOUND: 'the host name could not be resolved',
  EAI_AGAIN: 'the host name could not be resolved (DNS is not answering)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection was closed unexpectedly',
  UND_ERR_CLOSED: 'the connection was closed',
};

export function translateError(
  error: unknown,
  context: { signal?: AbortSignal; idle: IdleWatch; host: string; timeouts: Timeouts; action?: 'download' },
): UploadError {
  if (error instanceof UploadError) {
    return error;
  }
  if (context.signal?.aborted) {
    return context.action === 'download' ? new UploadError('cancelled', l10n.t('The download was cancelled.')) : cancelledError();
  }
  const cause = findUploadError(error);
  if (cause) {
    return cause;
  }
  if (context.idle.fired && context.action === 'download') {
    return new UploadError('timeout', l10n.t('Nothing arrived from {0} for {1} s; the download was stopped.', context.host, context.timeouts.idleMs / 1000), { cause: error });
  }
  if (context.idle.fired) {
    return new UploadError('timeout', l10n.t('Nothing moved between this computer and {0} for {1} s; the upload was stopped.', context.host, context.timeouts.idleMs / 1000), { cause: error });
  }
  const code = errorCode(error);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new UploadError('timeout', l10n.t('Could not connect to {0} within {1} s.', context.host, context.timeouts.connectMs / 1000), { cause: error });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new UploadError('timeout', l10n.t('{0} did not answer within {1} s after the upload was sent.', context.host, context.timeouts.headersMs / 1000), { cause: error });
    case 'UND_ERR_BODY_TIMEOUT':
      return new UploadError('timeout', l10n.t('{0} stopped sending its answer for {1} s.', context.host, context.timeouts.idleMs / 1000), { cause: error });
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return new UploadError('invalid-input', l10n.t('The file changed size while it was being uploaded; upload it again.'), { cause: error });
  }
  const reason = (code && NETWORK_CODES[code]) ?? (error as Error)?.message ?? String(error);
  return new UploadError('network', l10n.t('Could not reach {0}: {1}.', context.host, reason), { cause: error });
}

/** An UploadError raised inside the body stream (a file that vanished mid-read), wrapped by undici. */
function findUploadError(error: unknown): UploadError | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof UploadError) {
      return current;
    }
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
  }
  return undefined;
}
