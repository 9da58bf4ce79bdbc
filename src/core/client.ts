import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { base64JsonBody, fileSource, hashedSource, memorySource, multipartBody, type ByteSource, type HashOptions, type RequestBody } from './bodies';
import { downloadFile, hashRemoteFile } from './downloadFile';
import { ENDPOINTS, validateBaseUrl } from './endpoint';
import { UploadError, cancelledError } from './errors';
import { readableFileSize, readSmallFile } from './fileStat';
import { readEnvelope, translateError } from './httpErrors';
import { mimeTypeFor } from './mime';
import { prepareImage, type PreparedImage } from './images/prepare';
import { HASHED_BEFORE_SENDING_MAX_BYTES, sha256OfBytes, sha256OfFile } from './hash';
import type { MetadataSettings } from './images/metadata';
import { Gate, type Turn } from './pool';
import { normalizeUploadResponse } from './response';
import { defaultRetryPolicy, withRetries, type RetryPolicy, type Sleep } from './retry';
import { createDispatcher, defaultTimeouts, IdleWatch, type ProxySettings, type Timeouts } from './transport';
import { nullLogger, type Logger, type ProgressListener, type UploadMethod, type UploadOptions, type UploadRecord } from './types';
import { checkBase64Size, formatBytes, normalizeUploadPath, sanitizeFileName, validateRemoteUrl } from './validation';
import * as l10n from '@vscode/l10n';

export { defaultTimeouts, type Timeouts } from './transport';

/** What the client reads from the settings; re-created when they change. */
export interface ClientSettings {
  baseUrl: string;
  uploadPath: string;
  retentionHours: number;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<Timeouts>;
  /** A proxy for the API requests (VS Code's http.proxy or HTTPS_PROXY, already resolved for the base URL). */
  proxy?: ProxySettings;
  /**
   * Upload requests sent at once (kieUpload.maxConcurrentUploads); more wait, already prepared,
   * and go out as others end. A retry's back-off waits outside. Default: no limit.
   */
  maxRequests?: number;
  /**
   * Take the SHA-256 of the bytes sent while they stream (`UploadRecord.sha256`). Default true; the
   * benchmark turns it off to measure what it costs.
   */
  hashUploads?: boolean;
  /**
   * How much longer a large file's upload may take waiting for its hash, as a share of its time
   * (default 0.03); past it the hash is given up (see streamHash.ts). Tests of the hash itself set
   * Infinity, as a network slower than SHA-256 would.
   */
  hashWaitShare?: number;
  /** kieUpload.images.optimize, as the user wrote it (checked on each image upload). */
  imageOptimize?: unknown;
  /** kieUpload.images.removeLocation and removeAllMetadata; location is removed unless told otherwise. */
  imageMetadata?: MetadataSettings;
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
   * Runs in the upload's turn, before anything is sent (the sensitive-file guard): a rejection
   * ends the upload with that error, and the batch's order is kept whatever it costs. `whole` is
   * the file's content when the client has read it already (a small file): then that is what is
   * judged, and what is sent.
   */
  check?: (whole?: Uint8Array) => Promise<void>;
}


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
  private readonly hashing: boolean;

  constructor(
    private readonly settings: ClientSettings,
    private readonly deps: ClientDeps,
  ) {
    this.baseUrl = validateBaseUrl(settings.baseUrl);
    this.retry = { ...defaultRetryPolicy, ...settings.retry };
    this.timeouts = { ...defaultTimeouts, ...settings.timeouts };
    this.logger = deps.logger ?? nullLogger;
    this.gate = new Gate(settings.maxRequests ?? Infinity);
    this.hashing = settings.hashUploads !== false;
  }

  /** Uploads a local file, by default through the stream endpoint. `source` is what the record remembers. */
  uploadFile(path: string, options: UploadOptions = {}, controls: UploadControls = {}, source = path): Promise<UploadRecord> {
    return this.inTurn((turn) => this.uploadFileInTurn(turn, path, options, controls, source));
  }

  private async uploadFileInTurn(turn: Turn, path: string, options: UploadOptions, controls: UploadControls, source: string): Promise<UploadRecord> {
    // A small file is read whole before its request may go: the guard judges those very bytes,
    // and the request reads nothing from disk while it holds one of the places in flight.
    const whole = await readSmallFile(path);
    await controls.check?.(whole);
    const uploadPath = this.uploadPathFor(options);
    const fileName = sanitizeFileName(options.fileName ?? basename(path));
    const method = options.method ?? 'stream';
    const size = whole ? whole.byteLength : await readableFileSize(path, fileName);
    const prepared = await this.prepare({ path, whole }, fileName);
    if (prepared) {
      return this.sendPrepared(prepared, { uploadPath, method, source }, controls, turn, { path, whole, size });
    }
    if (method === 'base64') {
      checkBase64Size(size, fileName);
    }
    return this.sendBytes(whole ? memorySource(whole, this.hashing) : fileSource(path, size, this.hashOptions(fileName)), { fileName, uploadPath, method, source }, controls, turn);
  }

  /** How a file's SHA-256 is taken while it streams; false with hashing off. */
  private hashOptions(fileName: string): HashOptions {
    return (
      this.hashing && {
        waitShare: this.settings.hashWaitShare,
        gaveUp: () => this.logger.info(`${fileName}: its SHA-256 was not taken (the upload went faster than hashing could follow without slowing it: a server on this machine or beside it); the record goes without it.`),
      }
    );
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
    const prepared = await this.prepare({ whole: data }, name);
    if (prepared) {
      return this.sendPrepared(prepared, { uploadPath, method, source }, controls, turn, { whole: data, size: data.byteLength });
    }
    if (method === 'base64') {
      checkBase64Size(data.byteLength, name);
    }
    return this.sendBytes(memorySource(data, this.hashing), { fileName: name, uploadPath, method, source }, controls, turn);
  }

  /** An image with its location removed and optimised as the settings say (see `prepareImage`). */
  private prepare(input: { path?: string; whole?: Uint8Array }, fileName: string): Promise<PreparedImage | undefined> {
    const metadata = this.settings.imageMetadata ?? { removeLocation: true, removeAllMetadata: false };
    return prepareImage(input, fileName, { ...metadata, optimize: this.settings.imageOptimize, hash: this.hashOptions(fileName) }, this.logger);
  }

  /** Sends an image as `prepareImage` made it; the record carries its notes. */
  private async sendPrepared(
    prepared: PreparedImage,
    target: { uploadPath: string; method: Exclude<UploadMethod, 'url'>; source: string },
    controls: UploadControls,
    turn: Turn,
    original: { path?: string; whole?: Uint8Array; size: number },
  ): Promise<UploadRecord> {
    if (target.method === 'base64') {
      checkBase64Size(prepared.source.size, prepared.fileName);
    }
    // Edited file ranges are hashed as they stream (see piecesSource); bytes made in memory here.
    const source = this.hashing && !prepared.source.sha256 ? hashedSource(prepared.source) : prepared.source;
    // The bytes sent differ from the file's: the record also names the file's own, so that Reuse Link
    // finds this link for the same photo again (files up to 64 MiB: one more read, taken while the
    // upload goes rather than after it, in the request's place).
    const sourceHashing = this.hashing ? sourceHash(original) : undefined;
    const record = await this.sendBytes(source, { ...target, fileName: prepared.fileName }, controls, turn);
    const noted = prepared.notes.length ? { ...record, notes: [...(record.notes ?? []), ...prepared.notes] } : record;
    const sourceSha256 = await sourceHashing;
    return sourceSha256 ? { ...noted, sourceSha256 } : noted;
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
    const envelope = await this.post(ENDPOINTS.url, () => body, controls, turn).catch((error: unknown) => {
      throw fetchFailure(error, url);
    });
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
   * Saves a hosted file to `destination` on disk through the same connection settings (proxy,
   * timeouts) as uploads; see {@link downloadFile}. The key is never sent: file links are public.
   */
  download(url: string, destination: string, controls: UploadControls = {}): Promise<number> {
    return downloadFile(url, destination, { dispatcher: this.dispatcher(), timeouts: this.timeouts, logger: this.logger }, controls);
  }

  /**
   * The SHA-256 of what a link serves now, streamed into the hash (nothing is saved), or `'gone'`
   * when the host answers 404 or 410. Same connection settings as downloads; the key is never sent.
   */
  hashRemote(url: string, controls: UploadControls = {}): Promise<{ sha256: string; size: number } | 'gone'> {
    return hashRemoteFile(url, { dispatcher: this.dispatcher(), timeouts: this.timeouts, logger: this.logger }, controls);
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
    const record = normalizeUploadResponse(envelope, {
      ...this.responseDefaults(),
      method: target.method,
      source: target.source,
      requestedFileName: target.fileName,
      requestedUploadPath: target.uploadPath,
      knownSize: bytes.size,
      knownMimeType: mimeType,
    });
    // The hash of the attempt that succeeded: its body was read to the end before the answer came.
    const sha256 = bytes.sha256?.();
    return sha256 ? { ...record, sha256 } : record;
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
    this.ownAgent ??= createDispatcher(this.settings.proxy, this.timeouts, this.logger);
    return this.ownAgent;
  }

  private uploadPathFor(options: UploadOptions): string {
    return normalizeUploadPath(options.uploadPath ?? this.settings.uploadPath);
  }

  private responseDefaults() {
    return { retentionHours: this.settings.retentionHours, now: this.deps.now?.() ?? new Date() };
  }
}

/**
 * The service answers 400 when it could not fetch a URL (unreachable, an error page, too slow, too
 * large): the user reads that it was the service's own download that failed, and its limits.
 */
function fetchFailure(error: unknown, url: string): unknown {
  if (!(error instanceof UploadError) || error.code !== 'bad-request') {
    return error;
  }
  return new UploadError(
    'bad-request',
    l10n.t(
      'The service could not fetch {0}: {1}. It downloads the file itself, so the link must be public, answer within 30 seconds and be at most about 100 MB.',
      url.length > 80 ? `${url.slice(0, 77)}…` : url,
      error.message.replace(/[.\s]+$/, ''),
    ),
    error.details,
  );
}

async function sourceHash(original: { path?: string; whole?: Uint8Array; size: number }): Promise<string | undefined> {
  if (original.whole) {
    return sha256OfBytes(original.whole);
  }
  if (!original.path || original.size > HASHED_BEFORE_SENDING_MAX_BYTES) {
    return undefined;
  }
  try {
    return await sha256OfFile(original.path);
  } catch {
    return undefined;
  }
}
