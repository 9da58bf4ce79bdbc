import { constants as fsConstants, promises as fs } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { base64JsonBody, fileSource, memorySource, multipartBody, type ByteSource, type RequestBody } from './bodies';
import { checkRedirect, temporaryDownloadPath } from './download';
import { ENDPOINTS, validateBaseUrl } from './endpoint';
import { UploadError, cancelledError, errorCodeForStatus } from './errors';
import { mimeTypeFor } from './mime';
import { Gate, type Turn } from './pool';
import { asObject, normalizeUploadResponse, serviceMessage, throwIfEnvelopeFailed } from './response';
import { defaultRetryPolicy, parseRetryAfter, withRetries, type RetryPolicy, type Sleep } from './retry';
import { nullLogger, type Logger, type ProgressListener, type UploadMethod, type UploadOptions, type UploadRecord } from './types';
import { checkBase64Size, formatBytes, normalizeUploadPath, sanitizeFileName, validateRemoteUrl } from './validation';
import * as l10n from '@vscode/l10n';

export interface Timeouts {
  /** TCP/TLS connection set-up. */
  connectMs: number;
  /** From the end of the request body to the response headers (the service may fetch a URL meanwhile). */
  headersMs: number;
  /** Silence while sending the body or receiving the response. */
  idleMs: number;
}

export const defaultTimeouts: Timeouts = { connectMs: 10_000, headersMs: 120_000, idleMs: 30_000 };

/** What the client reads from the settings; re-created when they change. */
export interface ClientSettings {
  baseUrl: string;
  uploadPath: string;
  retentionHours: number;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<Timeouts>;
  /** A proxy for the API requests (VS Code's http.proxy or HTTPS_PROXY, already resolved for the base URL). */
  proxy?: { url: string; strictSSL: boolean };
  /**
   * Upload requests sent at once (kieUpload.maxConcurrentUploads); more wait, already prepared,
   * and go out as others end. A retry's back-off waits outside. Default: no limit.
   */
  maxRequests?: number;
}

/** What the client needs from its host (the editor, or a test). */
export interface ClientDeps {
  getApiKey: () => PromiseLike<string | undefined> | string | undefined;
  logger?: Logger;
  now?: () => Date;
  /** A dispatcher to use instead of the client's own pool (tests). */
  dispatcher?: Dispatcher;
  sleep?: Sleep;
  random?: () => number;
}

export interface UploadControls {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /**
   * Runs in the upload's turn, before anything is read or sent (the sensitive-file guard): a
   * rejection ends the upload with that error, and the batch's order is kept whatever it costs.
   */
  check?: () => Promise<void>;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The File Upload API client: the three endpoints, validation before any request,
 * streamed bodies, retries with backoff, timeouts and typed errors. Knows nothing of VS Code.
 */
export class KieClient {
  private readonly baseUrl: string;
  private readonly retry: RetryPolicy;
  private readonly timeouts: Timeouts;
  private readonly logger: Logger;
  private ownAgent?: Dispatcher;
  private readonly gate: Gate;

  constructor(
    private readonly settings: ClientSettings,
    private readonly deps: ClientDeps,
  ) {
    this.baseUrl = validateBaseUrl(settings.baseUrl);
    this.retry = { ...defaultRetryPolicy, ...settings.retry };
    this.timeouts = { ...defaultTimeouts, ...settings.timeouts };
    this.logger = deps.logger ?? nullLogger;
    this.gate = new Gate(settings.maxRequests ?? Infinity);
  }

  /** Uploads a local file, by default through the stream endpoint. `source` is what the record remembers. */
  uploadFile(path: string, options: UploadOptions = {}, controls: UploadControls = {}, source = path): Promise<UploadRecord> {
    return this.inTurn((turn) => this.uploadFileInTurn(turn, path, options, controls, source));
  }

  private async uploadFileInTurn(turn: Turn, path: string, options: UploadOptions, controls: UploadControls, source: string): Promise<UploadRecord> {
    await controls.check?.();
    const uploadPath = this.uploadPathFor(options);
    const fileName = sanitizeFileName(options.fileName ?? basename(path));
    const method = options.method ?? 'stream';
    const size = await readableFileSize(path, fileName);
    if (method === 'base64') {
      checkBase64Size(size, fileName);
    }
    return this.sendBytes(fileSource(path, size), { fileName, uploadPath, method, source }, controls, turn);
  }

  /** Uploads bytes held in memory (a pasted image, a non-file document), by default as base64. */
  uploadData(data: Uint8Array, fileName: string, options: UploadOptions = {}, controls: UploadControls = {}, source = 'data'): Promise<UploadRecord> {
    return this.inTurn((turn) => this.uploadDataInTurn(turn, data, fileName, options, controls, source));
  }

  private async uploadDataInTurn(turn: Turn, data: Uint8Array, fileName: string, options: UploadOptions, controls: UploadControls, source: string): Promise<UploadRecord> {
    await controls.check?.();
    const uploadPath = this.uploadPathFor(options);
    const name = sanitizeFileName(options.fileName ?? fileName);
    const method = options.method ?? 'base64';
    if (!(data instanceof Uint8Array) || data.byteLength === 0) {
      throw new UploadError('invalid-input', l10n.t('{0} is empty: there is nothing to upload.', name));
    }
    if (method === 'base64') {
      checkBase64Size(data.byteLength, name);
    }
    return this.sendBytes(memorySource(data), { fileName: name, uploadPath, method, source }, controls, turn);
  }

  /** Asks the service to fetch a public http(s) URL itself; this side never downloads it. */
  uploadUrl(fileUrl: string, options: UploadOptions = {}, controls: UploadControls = {}): Promise<UploadRecord> {
    return this.inTurn((turn) => this.uploadUrlInTurn(turn, fileUrl, options, controls));
  }

  private async uploadUrlInTurn(turn: Turn, fileUrl: string, options: UploadOptions, controls: UploadControls): Promise<UploadRecord> {
    const url = validateRemoteUrl(fileUrl);
    const uploadPath = this.uploadPathFor(options);
    const fileName = options.fileName === undefined ? undefined : sanitizeFileName(options.fileName);
    const fields: Record<string, string> = { fileUrl: url, uploadPath, ...(fileName ? { fileName } : {}) };
    const json = Buffer.from(JSON.stringify(fields));
    const body: RequestBody = { contentType: 'application/json', contentLength: json.byteLength, chunks: async function* () { yield json; } };
    const envelope = await this.post(ENDPOINTS.url, () => body, controls, turn);
    return normalizeUploadResponse(envelope, {
      ...this.responseDefaults(),
      method: 'url',
      source: url,
      requestedFileName: fileName,
      requestedUploadPath: uploadPath,
      knownMimeType: fileName ? mimeTypeFor(fileName) : undefined,
    });
  }

  /**
   * Saves a hosted file to `destination` on disk, streamed (never held in memory), through the same
   * connection settings (proxy, timeouts) as uploads. The body goes into a temporary file in the
   * destination's folder, which replaces the destination in one rename only once the whole body has
   * arrived (as long as `Content-Length` said, when it said): a dead link, a cancel, a reset, a
   * timeout or a full disk leaves an existing destination exactly as it was, and removes only the
   * temporary file. Follows up to 5 redirects, to https only (http on loopback). The key is never
   * sent: file links are public.
   */
  async download(url: string, destination: string, controls: UploadControls = {}): Promise<number> {
    let link = validateRemoteUrl(url);
    let host = new URL(link).host;
    const idle = new IdleWatch(this.timeouts.idleMs);
    const signal = controls.signal ? AbortSignal.any([controls.signal, idle.signal]) : idle.signal;
    const temporary = temporaryDownloadPath(destination);
    try {
      if (controls.signal?.aborted) {
        throw cancelledError();
      }
      idle.arm();
      let response: Dispatcher.ResponseData;
      for (let followed = 0; ; followed++) {
        response = await request(link, {
          method: 'GET',
          headers: { 'user-agent': 'kie-file-upload-vscode' },
          signal,
          dispatcher: this.dispatcher(),
          headersTimeout: this.timeouts.headersMs,
          bodyTimeout: this.timeouts.idleMs,
        });
        if (!REDIRECTS.has(response.statusCode)) {
          break;
        }
        discard(response.body);
        link = checkRedirect(link, response.headers.location, followed);
        host = new URL(link).host;
        this.logger.debug(`Download redirected to ${host}`);
      }
      if (response.statusCode === 404 || response.statusCode === 410) {
        discard(response.body);
        throw new UploadError('not-found', l10n.t('The file is no longer on the service: it has expired or was replaced.'), { status: response.statusCode });
      }
      if (response.statusCode !== 200) {
        discard(response.body);
        throw new UploadError(errorCodeForStatus(response.statusCode), l10n.t('The file host answered HTTP {0}.', response.statusCode), { status: response.statusCode });
      }
      const expected = contentLength(response.headers['content-length']);
      let received = 0;
      // 'wx': a fresh file of our own, never one that happens to be there.
      const file = await local(() => fs.open(temporary, 'wx'));
      try {
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          await local(() => file.write(chunk));
          received += chunk.byteLength;
          idle.arm();
          controls.onProgress?.(received, expected ?? 0);
        }
        if (expected !== undefined && received !== expected) {
          throw new UploadError('network', l10n.t('The download from {0} ended after {1} of {2}; the file was not saved.', host, formatBytes(received), formatBytes(expected)));
        }
        // On disk before it takes the destination's place: a crash right after cannot leave it empty.
        await local(() => file.sync());
      } finally {
        await file.close().catch(() => undefined);
      }
      await keepMode(destination, temporary);
      await local(() => fs.rename(temporary, destination));
      return received;
    } catch (error) {
      await fs.rm(temporary, { force: true }).catch(() => undefined);
      if (error instanceof LocalWriteError) {
        throw describeWriteError(error.cause, destination);
      }
      throw translateError(error, { signal: controls.signal, idle, host, timeouts: this.timeouts, action: 'download' });
    } finally {
      idle.disarm();
    }
  }

  /** Releases the connection pool. */
  async close(): Promise<void> {
    const agent = this.ownAgent;
    this.ownAgent = undefined;
    await agent?.close();
  }

  private async sendBytes(
    bytes: ByteSource,
    target: { fileName: string; uploadPath: string; method: Exclude<UploadMethod, 'url'>; source: string },
    controls: UploadControls,
    turn: Turn,
  ): Promise<UploadRecord> {
    const mimeType = mimeTypeFor(target.fileName);
    const fields = { uploadPath: target.uploadPath, fileName: target.fileName };
    const makeBody =
      target.method === 'stream'
        ? () => multipartBody(bytes, { name: target.fileName, type: mimeType }, fields)
        : () => base64JsonBody(bytes, mimeType, fields);
    const envelope = await this.post(ENDPOINTS[target.method], makeBody, controls, turn);
    return normalizeUploadResponse(envelope, {
      ...this.responseDefaults(),
      method: target.method,
      source: target.source,
      requestedFileName: target.fileName,
      requestedUploadPath: target.uploadPath,
      knownSize: bytes.size,
      knownMimeType: mimeType,
    });
  }

  /**
   * Takes the upload's place among the requests now, in call order, and gives it up when the upload
   * ends: the requests of a batch go out in the order the batch gave them, however long each one
   * takes to prepare (open and size a file).
   */
  private async inTurn<T>(work: (turn: Turn) => Promise<T>): Promise<T> {
    const turn = this.gate.reserve();
    try {
      return await work(turn);
    } finally {
      turn.release();
    }
  }

  /**
   * POSTs a body (made afresh per attempt) with retries; resolves with the successful envelope. The
   * first attempt uses the upload's turn; a retry queues again after its back-off.
   */
  private async post(path: string, makeBody: () => RequestBody, controls: UploadControls, turn: Turn): Promise<Record<string, unknown>> {
    const apiKey = await this.deps.getApiKey();
    if (!apiKey) {
      throw new UploadError('no-api-key', l10n.t('No API key is set. Run "Kie File Upload: Set API Key" first.'));
    }
    let attempts = 0;
    try {
      return await withRetries(
        this.retry,
        (attempt) => {
          attempts = attempt;
          return (attempt === 1 ? turn : this.gate.reserve()).run(() => this.exchange(path, makeBody(), apiKey, controls, attempt), controls.signal, cancelledError);
        },
        {
          signal: controls.signal,
          sleep: this.deps.sleep,
          random: this.deps.random,
          onRetry: (error, retry, delay) =>
            this.logger.warn(`POST ${path} failed (${error.message}); retry ${retry} of ${this.retry.maxRetries} in ${delay} ms`),
        },
      );
    } catch (error) {
      if (error instanceof UploadError && error.retryable && attempts > 1) {
        throw new UploadError(error.code, l10n.t('{0} (gave up after {1} attempts)', error.message, attempts), error.details);
      }
      throw error;
    }
  }

  /** One request and its answer. */
  private async exchange(path: string, body: RequestBody, apiKey: string, controls: UploadControls, attempt: number): Promise<Record<string, unknown>> {
    if (controls.signal?.aborted) {
      throw cancelledError();
    }
    this.logger.debug(`POST ${path} (${formatBytes(body.contentLength)}, attempt ${attempt})`);
    const idle = new IdleWatch(this.timeouts.idleMs);
    const signal = controls.signal ? AbortSignal.any([controls.signal, idle.signal]) : idle.signal;
    const total = body.contentLength;
    let sent = 0;
    controls.onProgress?.(0, total);
    async function* counted(): AsyncIterable<Uint8Array | string> {
      idle.arm();
      for await (const chunk of body.chunks()) {
        yield chunk;
        sent += typeof chunk === 'string' ? chunk.length : chunk.byteLength;
        idle.arm();
        controls.onProgress?.(sent, total);
      }
      idle.disarm();
    }
    try {
      const response = await request(this.baseUrl + path, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': body.contentType,
          'content-length': String(total),
          accept: 'application/json',
          'user-agent': 'kie-file-upload-vscode',
        },
        // undici streams async iterables as they are; its typings only list Readable.
        body: counted() as unknown as Readable,
        signal,
        dispatcher: this.dispatcher(),
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.idleMs,
      });
      return await readEnvelope(response);
    } catch (error) {
      throw translateError(error, { signal: controls.signal, idle, host: new URL(this.baseUrl).host, timeouts: this.timeouts });
    } finally {
      idle.disarm();
    }
  }

  private dispatcher(): Dispatcher {
    if (this.deps.dispatcher) {
      return this.deps.dispatcher;
    }
    this.ownAgent ??= this.createDispatcher();
    return this.ownAgent;
  }

  private createDispatcher(): Dispatcher {
    const { proxy } = this.settings;
    if (!proxy) {
      return new Agent({ connect: { timeout: this.timeouts.connectMs }, keepAliveTimeout: 10_000 });
    }
    if (!URL.canParse(proxy.url) || !/^https?:$/.test(new URL(proxy.url).protocol)) {
      throw new UploadError('invalid-input', l10n.t('The proxy "{0}" (http.proxy or HTTPS_PROXY) is not an http:// or https:// URL.', redactProxy(proxy.url)));
    }
    // undici does not go through Node's http module, so VS Code's own proxy support never sees it.
    this.logger.info(`Using the proxy ${redactProxy(proxy.url)}${proxy.strictSSL ? '' : ' (certificate checks off: http.proxyStrictSSL is false)'}`);
    return new ProxyAgent({
      uri: proxy.url,
      requestTls: { rejectUnauthorized: proxy.strictSSL, timeout: this.timeouts.connectMs },
      proxyTls: { rejectUnauthorized: proxy.strictSSL, timeout: this.timeouts.connectMs },
      connect: { timeout: this.timeouts.connectMs },
    });
  }

  private uploadPathFor(options: UploadOptions): string {
    return normalizeUploadPath(options.uploadPath ?? this.settings.uploadPath);
  }

  private responseDefaults() {
    return { retentionHours: this.settings.retentionHours, now: this.deps.now?.() ?? new Date() };
  }
}

/** A proxy URL for the log, without its password. */
function redactProxy(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.href;
  } catch {
    return '(unparsable proxy URL)';
  }
}

/** Drops a response body that is not wanted (a redirect's, an error page's) without an unhandled error. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** A `Content-Length` the body must match, when the host sent a usable one. */
function contentLength(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text) : undefined;
}

/** The replacement keeps the permissions of the file it replaces (an executable stays executable). */
async function keepMode(destination: string, temporary: string): Promise<void> {
  const existing = await fs.stat(destination).catch(() => undefined);
  if (existing?.isFile()) {
    await fs.chmod(temporary, existing.mode & 0o7777).catch(() => undefined);
  }
}

/** A failure of this machine's disk while saving a download, told apart from the network's. */
class LocalWriteError extends Error {
  constructor(override readonly cause: unknown) {
    super('local write failed');
  }
}

async function local<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new LocalWriteError(error);
  }
}

/** A failure to write the download on this machine (not the host's fault). */
function describeWriteError(error: unknown, destination: string): UploadError {
  const code = (error as NodeJS.ErrnoException)?.code;
  const name = basename(destination);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UploadError('too-large', l10n.t('There is not enough space on the disk to save {0}; nothing was changed.', name), { cause: error });
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new UploadError('not-found', l10n.t('{0} cannot be saved there: the folder does not exist.', name), { cause: error });
  }
  if (code === 'EISDIR') {
    return new UploadError('invalid-input', l10n.t('{0} cannot be saved there: a folder of that name is in the way.', name), { cause: error });
  }
  return new UploadError('invalid-input', l10n.t('{0} cannot be saved there: {1}.', name, describeFsError(error)), { cause: error });
}

/** Size of a regular, readable, non-empty file; anything else is refused before a request. */
async function readableFileSize(path: string, label: string): Promise<number> {
  let stats;
  try {
    stats = await fs.stat(path);
    await fs.access(path, fsConstants.R_OK);
  } catch (error) {
    throw new UploadError('not-found', l10n.t('{0} cannot be read: {1}.', label, describeFsError(error)), { cause: error });
  }
  if (stats.isDirectory()) {
    throw new UploadError('invalid-input', l10n.t('{0} is a folder; choose the files in it.', label));
  }
  if (!stats.isFile()) {
    // FIFOs, sockets and devices such as /dev/zero never end or never start.
    throw new UploadError('invalid-input', l10n.t('{0} is not a regular file (a device, pipe or socket) and cannot be uploaded.', label));
  }
  if (stats.size === 0) {
    throw new UploadError('invalid-input', l10n.t('{0} is empty (0 bytes): there is nothing to upload.', label));
  }
  return stats.size;
}

function describeFsError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException)?.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'the file does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return (error as Error)?.message ?? String(error);
  }
}

/** Reads a bounded response and returns the successful envelope, or throws what went wrong. */
async function readEnvelope(response: Dispatcher.ResponseData): Promise<Record<string, unknown>> {
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

async function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      body.destroy();
      throw new UploadError('protocol', l10n.t('The service\'s answer is larger than {0}; it is not an upload result.', formatBytes(limit)));
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
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

/** Fires when no body bytes moved for `ms`: a peer that stopped reading or writing. */
class IdleWatch {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  constructor(readonly ms: number) {}
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  get fired(): boolean {
    return this.controller.signal.aborted;
  }
  arm(): void {
    // Re-armed for every body chunk: restarting the one timer is cheaper than a new one each time.
    if (this.timer) {
      this.timer.refresh();
    } else {
      this.timer = setTimeout(() => this.controller.abort(), this.ms);
    }
  }
  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
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

function translateError(
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
