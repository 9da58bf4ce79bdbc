/**
 * A local emulator of the kie.ai File Upload API (what Azurite is for Azure Storage): the three
 * upload endpoints with the documented envelopes, files served back until they expire, and
 * fault injection for the client's tests. See layout.ts for the URL layout.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { open, type FileHandle } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { drain } from './body';
import { ApiExchange } from './exchange';
import { FaultInjector, type DownloadFault, type Fault } from './faults';
import { ApiError, errorEnvelope, JSON_TYPE, jsonBytes, writeResponse } from './http';
import { isFileRoute, parseFileRoute, uploadData, type ResponseShape } from './layout';
import { mimeEssence } from './names';
import { FileStore, type StoredFile } from './store';
import { stageBase64, stageMultipart, stageUrl, type Stager, type UploadLimits } from './uploads';

export { FaultInjector } from './faults';
export type { DownloadFault, FailOptions, Fault } from './faults';
export type { ResponseShape } from './layout';
export type { StoredFile } from './store';

export interface EmulatorOptions {
  /** Bearer key required on every API request. */
  apiKey: string;
  /** 0 (default): any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where uploaded files are stored; default a fresh temp dir, removed on close. */
  storageDir?: string;
  /** Which documented success shape to return (default 'quickstart'). */
  responseShape?: ResponseShape;
  /** Files expire and are deleted after this many hours (default 72). */
  retentionHours?: number;
  /** Injectable clock, ms since the epoch (default Date.now). */
  now?: () => number;
  /** The service's download timeout for URL uploads (default 30000). */
  urlFetchTimeoutMs?: number;
  /** Size cap for URL uploads (default 100 MiB). */
  urlFetchMaxBytes?: number;
  /** Cap on the decoded size of a base64 upload (default: none beyond the JSON body cap). */
  maxBase64Bytes?: number;
  /** Cap on a JSON request body; larger bodies get 413 (default 200 MiB). */
  maxJsonBytes?: number;
  /**
   * Keep the largest deleted file and write the next stream upload over it instead of into a new
   * file (default false). Much cheaper on virtual machines where fresh page cache is expensive;
   * for benchmarks that delete each large upload before the next (see FileStore.takeSpareFile).
   */
  reuseDeletedFiles?: boolean;
}

export interface EmulatorStats {
  /** API requests received (file downloads are not counted). */
  requests: number;
  /** API requests currently being handled. */
  inFlight: number;
  /** Peak of `inFlight` since start or the last `resetMax()`. */
  maxInFlight: number;
  /** Request body bytes read by API requests. */
  bytesReceived: number;
  /** Restarts the peak from the current `inFlight`. */
  resetMax(): void;
}

export interface RequestLogEntry {
  method: string;
  /** The request target as sent (path and query). */
  path: string;
  headers: IncomingHttpHeaders;
  /** The status answered; 0 while unanswered, and for requests that were never answered. */
  status: number;
}

export interface Emulator {
  /** Base URL, e.g. http://127.0.0.1:43123 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Absolute storage directory. */
  readonly storageDir: string;
  readonly faults: FaultInjector;
  readonly stats: EmulatorStats;
  /** The most recent API requests, oldest first (at most 1000). */
  readonly requestLog: RequestLogEntry[];
  /** Success shape of subsequent uploads; may be switched at any time. */
  responseShape: ResponseShape;
  /** The clock used for upload times and expiry; may be replaced at any time. */
  now: () => number;
  /** Same as assigning `responseShape`. */
  setResponseShape(shape: ResponseShape): void;
  /** Same as assigning `now`. */
  setNow(now: () => number): void;
  /** The live (unexpired) stored files, oldest first. */
  listFiles(): StoredFile[];
  /** Runs the expiry sweep against the clock now. */
  expireNow(): Promise<void>;
  /** Stops the server, destroys open connections, removes temporary storage. */
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
const REQUEST_LOG_CAP = 1000;

interface Endpoint {
  contentType: string;
  stage: Stager;
}

const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  '/api/file-stream-upload': { contentType: 'multipart/form-data', stage: stageMultipart },
  '/api/file-base64-upload': { contentType: 'application/json', stage: stageBase64 },
  '/api/file-url-upload': { contentType: 'application/json', stage: stageUrl },
};

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  if (!options.apiKey) {
    throw new Error('startEmulator: apiKey is required');
  }
  const clock = { now: options.now ?? Date.now };
  const store = await FileStore.open({
    dir: options.storageDir,
    retentionMs: (options.retentionHours ?? 72) * 3_600_000,
    now: () => clock.now(),
    reuseDeletedFiles: options.reuseDeletedFiles,
  });
  const emulator = new LocalEmulator(options, store, clock);
  try {
    await emulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (err) {
    await store.close();
    throw err;
  }
  return emulator;
}

class Stats implements EmulatorStats {
  requests = 0;
  inFlight = 0;
  maxInFlight = 0;
  bytesReceived = 0;

  resetMax(): void {
    this.maxInFlight = this.inFlight;
  }

  begin(): void {
    this.requests++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }
}

class LocalEmulator implements Emulator {
  readonly faults = new FaultInjector();
  readonly stats = new Stats();
  readonly requestLog: RequestLogEntry[] = [];
  responseShape: ResponseShape;
  url = '';
  port = 0;

  private readonly server: Server;
  private readonly closing = new AbortController();
  private readonly limits: UploadLimits;
  private closed?: Promise<void>;

  constructor(
    private readonly options: EmulatorOptions,
    private readonly store: FileStore,
    private readonly clock: { now: () => number },
  ) {
    this.responseShape = options.responseShape ?? 'quickstart';
    this.limits = {
      maxJsonBytes: options.maxJsonBytes ?? 200 * MiB,
      maxBase64Bytes: options.maxBase64Bytes,
      urlFetchTimeoutMs: options.urlFetchTimeoutMs ?? 30_000,
      urlFetchMaxBytes: options.urlFetchMaxBytes ?? 100 * MiB,
    };
    this.server = createServer();
    // Uploads may legitimately take long; Node's default 5-minute request timeout would cut them.
    this.server.requestTimeout = 0;
    this.server.on('request', (req, res) => this.dispatch(req, res, false));
    this.server.on('checkContinue', (req, res) => this.dispatch(req, res, true));
  }

  get now(): () => number {
    return this.clock.now;
  }

  set now(now: () => number) {
    this.clock.now = now;
  }

  get storageDir(): string {
    return this.store.root;
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        this.url = `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
        resolve();
      });
    });
  }

  setResponseShape(shape: ResponseShape): void {
    this.responseShape = shape;
  }

  setNow(now: () => number): void {
    this.clock.now = now;
  }

  listFiles(): StoredFile[] {
    return this.store.list();
  }

  expireNow(): Promise<void> {
    return this.store.sweep();
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing.abort();
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Hung requests, keep-alive connections and half-sent uploads would keep close() waiting.
    this.server.closeAllConnections();
    await stopped;
    await this.store.close();
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    const pathname = (req.url ?? '/').split('?')[0];
    const handled = isFileRoute(pathname)
      ? this.serveFile(req, res, pathname)
      : this.handleApi(req, res, pathname, expectsContinue);
    // Handlers answer their own errors; this only guards against a bug taking the process down.
    handled.catch(() => res.destroy());
  }

  // -------------------------------------------------------------------------------------------
  // API requests

  private async handleApi(req: IncomingMessage, res: ServerResponse, pathname: string, expectsContinue: boolean) {
    this.track(req, res);
    const exchange = new ApiExchange(req, res, expectsContinue, {
      latencyMs: () => this.faults.latencyMs,
      onBodyBytes: (bytes) => (this.stats.bytesReceived += bytes),
      closing: this.closing.signal,
    });
    const fault = this.faults.take();
    if (fault?.kind === 'slow') {
      exchange.drip = fault;
    } else if (fault) {
      return this.applyFault(exchange, fault);
    }
    try {
      const endpoint = this.route(req, pathname);
      const staged = await endpoint.stage({
        body: exchange.body(),
        headers: req.headers,
        store: this.store,
        limits: this.limits,
        signal: exchange.signal,
      });
      const file = await this.store.commit(staged);
      await exchange.sendEnvelope(200, {
        success: true,
        code: 200,
        msg: 'File uploaded successfully',
        data: uploadData(file, this.responseShape, this.url),
      });
    } catch (err) {
      await exchange.sendError(err);
    }
  }

  /** Counts the request and logs it; the log entry gets its status when the answer is done. */
  private track(req: IncomingMessage, res: ServerResponse): void {
    this.stats.begin();
    const entry: RequestLogEntry = { method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, status: 0 };
    this.requestLog.push(entry);
    if (this.requestLog.length > REQUEST_LOG_CAP) {
      this.requestLog.shift();
    }
    res.once('close', () => {
      this.stats.inFlight--;
      entry.status = res.writableFinished ? res.statusCode : 0;
    });
  }

  /** Routing, method and authentication: all decided before a byte of the body is read. */
  private route(req: IncomingMessage, pathname: string): Endpoint {
    const endpoint = ENDPOINTS[pathname];
    if (!endpoint) {
      throw new ApiError(404, `No such endpoint: ${pathname}`);
    }
    if (req.method !== 'POST') {
      throw new ApiError(405, `Method ${req.method} is not allowed; use POST`, { Allow: 'POST' });
    }
    this.authenticate(req.headers.authorization);
    if (mimeEssence(req.headers['content-type']) !== endpoint.contentType) {
      throw new ApiError(400, `Content-Type must be ${endpoint.contentType}`);
    }
    return endpoint;
  }

  private authenticate(authorization: string | undefined): void {
    const challenge = { 'WWW-Authenticate': 'Bearer' };
    if (!authorization) {
      throw new ApiError(401, 'Missing Authorization header (expected "Bearer <API key>")', challenge);
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match || match[1] !== this.options.apiKey) {
      throw new ApiError(401, 'Invalid API key', challenge);
    }
  }

  private async applyFault(exchange: ApiExchange, fault: Exclude<Fault, { kind: 'slow' }>): Promise<void> {
    switch (fault.kind) {
      case 'reset':
        return this.resetAfter(exchange, fault.afterBytes);
      case 'hang':
        exchange.body().resume(); // read the upload, never answer
        return;
      case 'fail':
      case 'envelope':
      case 'raw':
        // Like a real failure after the upload: take the whole body, then answer.
        if (!(await drain(exchange.body()).then(() => true, () => false))) {
          return;
        }
        if (fault.kind === 'fail') {
          const headers = fault.retryAfter === undefined ? {} : { 'Retry-After': fault.retryAfter };
          return exchange.sendEnvelope(fault.status, errorEnvelope(fault.status, fault.msg), headers);
        }
        if (fault.kind === 'envelope') {
          return exchange.sendEnvelope(200, errorEnvelope(fault.code, fault.msg));
        }
        return exchange.send(fault.status, fault.body, fault.contentType ? { 'Content-Type': fault.contentType } : {});
    }
  }

  /** Destroys the connection once `afterBytes` of the body arrived (or the body ended). */
  private resetAfter(exchange: ApiExchange, afterBytes: number): void {
    const reset = (): void => {
      exchange.req.socket.destroy();
    };
    if (afterBytes <= 0) {
      return reset();
    }
    const body = exchange.body();
    body.on('data', () => {
      if (body.bytes >= afterBytes) {
        reset();
      }
    });
    body.once('end', reset);
  }

  // -------------------------------------------------------------------------------------------
  // Serving stored files (public links: no key, no faults, not counted as API requests)

  private async serveFile(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return this.answerPlain(res, 405, 'Method not allowed; use GET', { Allow: 'GET, HEAD' });
    }
    const file = this.findFile(pathname);
    const handle = file && (await open(this.store.diskPath(file)).catch(() => undefined));
    if (!file || !handle) {
      return this.answerPlain(res, 404, 'File not found or expired');
    }
    try {
      const { size } = await handle.stat();
      res.writeHead(200, {
        'Content-Type': file.mimeType,
        'Content-Length': size,
        ...(pathname.startsWith('/download/') ? { 'Content-Disposition': attachment(file.fileName) } : {}),
      });
    } catch (err) {
      await handle.close();
      throw err;
    }
    if (req.method === 'HEAD') {
      await handle.close();
      res.end();
      return;
    }
    const fault = this.faults.takeDownload();
    if (fault) {
      return this.serveBroken(res, handle, fault);
    }
    // The read stream closes the handle when done; a client that leaves early is not an error.
    await pipeline(handle.createReadStream(), res).catch(() => undefined);
  }

  /** A download that breaks after `afterBytes`: reset, stalled, or closed short of its `Content-Length`. */
  private async serveBroken(res: ServerResponse, handle: FileHandle, fault: DownloadFault): Promise<void> {
    const head = Buffer.alloc(fault.afterBytes);
    const { bytesRead } = await handle.read(head, 0, head.byteLength, 0).finally(() => handle.close());
    await new Promise<void>((resolve) => res.write(head.subarray(0, bytesRead), () => resolve()));
    if (fault.kind === 'reset') {
      res.socket?.destroy();
    } else if (fault.kind === 'truncate') {
      res.socket?.end();
    }
    // 'stall': nothing more; the client's timeout, its cancel or the emulator's close ends it.
  }

  private findFile(pathname: string): StoredFile | undefined {
    const route = parseFileRoute(pathname);
    if (!route) {
      return undefined;
    }
    return route.kind === 'id' ? this.store.findById(route.fileId) : this.store.findByPath(route.uploadPath, route.fileName);
  }

  /** Error answers for file links: the same envelope, without API latency or faults. */
  private answerPlain(res: ServerResponse, status: number, msg: string, headers = {}): Promise<void> {
    return writeResponse(res, status, jsonBytes(errorEnvelope(status, msg)), { 'Content-Type': JSON_TYPE, ...headers }, {
      latencyMs: 0,
      signal: this.closing.signal,
    });
  }
}

/** `Content-Disposition` for a download, with an ASCII fallback and the exact UTF-8 name. */
function attachment(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
