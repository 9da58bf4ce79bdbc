import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { KieClient, UploadControls } from '../core/client';
import { UploadError } from '../core/errors';
import { checkKeepAliveUntil } from '../core/keepAlive';
import type { UploadHistory } from '../core/history';
import { settleUpload } from '../core/outcome';
import type { SensitiveFinding } from '../core/sensitive';
import { fileNameFromUrl, uploadPathFor } from '../core/naming';
import { batchWorkers, mapConcurrent } from '../core/pool';
import type { Logger, UploadOptions, UploadOutcome, UploadRecord } from '../core/types';
import { BASE64_LIMIT_BYTES, formatBytes } from '../core/validation';
import { readProxySettings, type KieConfig } from '../platform/config';
import { loadEngine } from './engineLoader';

type Engine = Awaited<ReturnType<typeof loadEngine>>;

export interface UploadServiceDeps {
  getConfig: () => KieConfig;
  getApiKey: () => Thenable<string | undefined>;
  history: UploadHistory;
  logger: Logger;
  /** Removes the key from text the user will see (a service might echo it in its `msg`). */
  redact?: (text: string) => string;
}

/**
 * Uploads on behalf of the commands and the exported API: builds the core client from the
 * settings (lazily, so activation loads no HTTP stack), settles every upload into an outcome,
 * and records successes in the history. It never rejects for an upload failure.
 */
export class UploadService implements vscode.Disposable {
  private client?: Promise<KieClient>;

  constructor(private readonly deps: UploadServiceDeps) {}

  uploadFiles(uris: readonly vscode.Uri[], options: UploadOptions = {}, controls: UploadControls = {}): Promise<UploadOutcome[]> {
    return mapConcurrent(uris, batchWorkers(this.deps.getConfig().maxConcurrentUploads), (uri) => this.uploadFile(uri, options, controls));
  }

  uploadFile(uri: vscode.Uri, options: UploadOptions = {}, controls: UploadControls = {}): Promise<UploadOutcome> {
    options = this.named(options);
    return this.settle(String(uri), options, async () => {
      if (uri.scheme === 'file') {
        // A small file arrives read already: the guard judges those bytes instead of reading the file again.
        const check = (whole?: Uint8Array) =>
          this.guard(String(uri), basename(uri), options, (engine, globs) => (whole ? engine.findSensitive(uri.fsPath, whole, globs) : engine.inspectFile(uri.fsPath, globs)));
        return (await this.getClient()).uploadFile(uri.fsPath, options, { ...controls, check }, uri.toString());
      }
      // Remote and virtual file systems: read through VS Code, which only works for small files.
      const data = await readThroughWorkspace(uri);
      const check = () => this.guard(String(uri), basename(uri), options, (engine, globs) => engine.findSensitive(uri.path, data, globs));
      return (await this.getClient()).uploadData(data, basename(uri), { method: 'base64', ...options }, { ...controls, check }, uri.toString());
    }, controls);
  }

  uploadUrl(url: string, options: UploadOptions = {}, controls: UploadControls = {}): Promise<UploadOutcome> {
    const chosen = sanitizeOptions(options);
    options = this.named({ ...(typeof url === 'string' && !chosen.fileName ? { fileName: fileNameFromUrl(url.trim()) } : {}), ...chosen });
    return this.settle(String(url), options, async () => (await this.getClient()).uploadUrl(url, options, controls), controls);
  }

  uploadData(data: Uint8Array, fileName: string, options: UploadOptions = {}, controls: UploadControls = {}): Promise<UploadOutcome> {
    options = this.named(options);
    return this.settle('data', options, async () => {
      const check = () => this.guard('data', String(fileName), options, (engine, globs) => engine.findSensitive(String(fileName), data instanceof Uint8Array ? data : undefined, globs));
      return (await this.getClient()).uploadData(data, fileName, options, { ...controls, check });
    }, controls);
  }

  /**
   * Uploads a history entry again to the same folder and name, so that its link stays the same and
   * gets a fresh expiry: from the original local file while it exists, else from its original URL,
   * else from its own link while that is alive.
   */
  async reupload(record: UploadRecord, controls: UploadControls = {}, guard: Pick<UploadOptions, 'allowSensitive'> = {}): Promise<UploadOutcome> {
    const target: UploadOptions = { uploadPath: record.uploadPath, fileName: record.fileName };
    // A kept-alive link stays kept alive when it is uploaded again.
    if (record.keepAliveUntil && Date.parse(record.keepAliveUntil) > Date.now()) {
      target.keepAliveUntil = record.keepAliveUntil;
    }
    const local = await existingLocalSource(record.source);
    if (local) {
      // The local file may have changed since: it meets the sensitive-file guard again.
      return this.uploadFile(local, { ...target, method: record.method === 'base64' ? 'base64' : 'stream', ...guard }, controls);
    }
    if (/^https?:\/\//i.test(record.source)) {
      return this.uploadUrl(record.source, target, controls);
    }
    if (Date.parse(record.expiresAt) > Date.now()) {
      return this.uploadUrl(record.url, target, controls);
    }
    return {
      source: record.source,
      error: { code: 'not-found', message: vscode.l10n.t('{0} has expired and its original file is gone, so it cannot be uploaded again.', record.fileName) },
    };
  }

  /**
   * Saves a hosted file into `destination`, streamed to disk; resolves with the bytes written. An
   * existing destination is replaced only once the whole file has arrived (see `KieClient.download`).
   */
  async download(url: string, destination: vscode.Uri, controls: UploadControls = {}): Promise<number> {
    const client = await this.getClient();
    if (destination.scheme === 'file') {
      return client.download(url, destination.fsPath, controls);
    }
    // Not on this machine's disk (a virtual workspace): through a temporary file, then the editor.
    const dir = await mkdtemp(join(tmpdir(), 'kie-download-'));
    try {
      const size = await client.download(url, join(dir, 'file'), controls);
      await vscode.workspace.fs.writeFile(destination, await readFile(join(dir, 'file')));
      return size;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * The sensitive-file guard, on the one path every local upload takes (commands, Explorer, drop,
   * paste, publish, re-upload, the API): a file that looks like it holds a secret is refused before
   * anything is sent, unless the caller passed `allowSensitive: true`. The log names the file, never
   * what is in it.
   */
  private async guard(
    source: string,
    name: string,
    options: UploadOptions,
    inspect: (engine: Engine, globs: readonly string[]) => SensitiveFinding | undefined | Promise<SensitiveFinding | undefined>,
  ): Promise<void> {
    if (options.allowSensitive === true) {
      this.deps.logger.info(`${source}: sent without the sensitive-file guard (allowSensitive)`);
      return;
    }
    const engine = await loadEngine();
    const found = await inspect(engine, this.deps.getConfig().sensitiveFiles);
    if (found) {
      throw new UploadError('sensitive', sensitiveMessage(engine.describeSensitive(name, found)));
    }
  }

  /** Applies the naming scheme, unless the caller chose the upload path itself. */
  private named(options: UploadOptions): UploadOptions {
    const safe = sanitizeOptions(options);
    if (safe.uploadPath !== undefined) {
      return safe;
    }
    const config = this.deps.getConfig();
    return { ...safe, uploadPath: uploadPathFor(config.uploadPath, config.naming) };
  }

  /** Settings changed: the next upload builds a client from the new ones. */
  reset(): void {
    const previous = this.client;
    this.client = undefined;
    void previous?.then((client) => client.close(), () => undefined);
  }

  dispose(): void {
    this.reset();
  }

  private async settle(source: string, options: UploadOptions, upload: () => Promise<UploadRecord>, controls: UploadControls): Promise<UploadOutcome> {
    const outcome = await settleUpload(source, async () => {
      if (controls.signal?.aborted) {
        throw new UploadError('cancelled', vscode.l10n.t('The upload was cancelled.'));
      }
      // Checked before anything is sent: a keep-alive that cannot be honoured fails the upload.
      const keepAliveUntil = options.keepAliveUntil === undefined ? undefined : checkKeepAliveUntil(options.keepAliveUntil, Date.now());
      const record = await upload();
      return keepAliveUntil ? { ...record, keepAliveUntil } : record;
    }, this.deps.logger);
    if (outcome.error && this.deps.redact) {
      outcome.error.message = this.deps.redact(outcome.error.message);
    }
    if (outcome.record) {
      await this.deps.history.add(outcome.record);
      this.deps.logger.info(`Uploaded ${outcome.record.fileName} → ${outcome.record.url} (expires ${outcome.record.expiresAt})`);
    }
    return outcome;
  }

  private getClient(): Promise<KieClient> {
    this.client ??= this.createClient();
    const pending = this.client;
    // A client that could not be built (a bad base URL) is not kept: the next upload tries again.
    pending.catch(() => {
      if (this.client === pending) {
        this.client = undefined;
      }
    });
    return pending;
  }

  private async createClient(): Promise<KieClient> {
    const config = this.deps.getConfig();
    const { KieClient, proxyFor } = await loadEngine();
    const http = readProxySettings();
    const proxyUrl = proxyFor(config.baseUrl, { setting: http.proxy, settingNoProxy: http.noProxy, env: process.env });
    return new KieClient(
      {
        baseUrl: config.baseUrl,
        uploadPath: config.uploadPath,
        retentionHours: config.retentionHours,
        retry: { maxRetries: config.maxRetries },
        proxy: proxyUrl ? { url: proxyUrl, strictSSL: http.strictSSL } : undefined,
        maxRequests: config.maxConcurrentUploads,
        imageOptimize: config.imageOptimize,
        imageMetadata: { removeLocation: config.removeLocation, removeAllMetadata: config.removeAllMetadata },
      },
      { getApiKey: () => this.deps.getApiKey(), logger: this.deps.logger },
    );
  }
}

/**
 * Options arrive from other extensions and keybindings as well as from our own code: anything that
 * is not of the documented shape is dropped here rather than sent, and reported by the validation
 * that follows (an empty name, say).
 */
function sanitizeOptions(options: unknown): UploadOptions {
  if (!options || typeof options !== 'object') {
    return {};
  }
  const { fileName, uploadPath, method, allowSensitive, keepAliveUntil } = options as Record<string, unknown>;
  return {
    ...(typeof fileName === 'string' ? { fileName } : {}),
    ...(typeof uploadPath === 'string' ? { uploadPath } : {}),
    ...(method === 'stream' || method === 'base64' ? { method } : {}),
    // A deliberate opt-out of the guard: `1`, `'true'` or `{}` from a careless caller do not count.
    ...(allowSensitive === true ? { allowSensitive } : {}),
    // Passed on as given, so that a wrong value fails the upload (`invalid-input`) instead of being ignored.
    ...(keepAliveUntil !== undefined ? { keepAliveUntil: keepAliveUntil as string } : {}),
  };
}

/** The outcome's message for a file the guard refused: "id_rsa looks like it holds a private key. Nothing was sent." */
function sensitiveMessage(description: string): string {
  return `${description} ${vscode.l10n.t('Nothing was sent.')}`;
}

/**
 * The question for a person who chose such a file themselves: "id_rsa looks like it holds a
 * private key. Upload it to a public link?" — from a `'sensitive'` outcome's message.
 */
export function sensitiveQuestion(message: string): string {
  const suffix = ` ${vscode.l10n.t('Nothing was sent.')}`;
  const description = message.endsWith(suffix) ? message.slice(0, -suffix.length) : message;
  return vscode.l10n.t('{0} Upload it to a public link?', description);
}

async function readThroughWorkspace(uri: vscode.Uri): Promise<Uint8Array> {
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch (error) {
    throw new UploadError('not-found', vscode.l10n.t('{0} cannot be read: {1}', basename(uri), (error as Error).message));
  }
  if (stat.type & vscode.FileType.Directory) {
    throw new UploadError('invalid-input', vscode.l10n.t('{0} is a folder; choose the files in it.', basename(uri)));
  }
  if (stat.size > BASE64_LIMIT_BYTES) {
    throw new UploadError(
      'too-large',
      vscode.l10n.t('{0} is {1}. Files that are not on this machine\'s disk can be uploaded up to {2}.', basename(uri), formatBytes(stat.size), formatBytes(BASE64_LIMIT_BYTES)),
    );
  }
  return vscode.workspace.fs.readFile(uri);
}

async function existingLocalSource(source: string): Promise<vscode.Uri | undefined> {
  if (!source || source === 'data' || /^https?:\/\//i.test(source)) {
    return undefined;
  }
  try {
    const uri = vscode.Uri.parse(source, true);
    const stat = await vscode.workspace.fs.stat(uri);
    return stat.type & vscode.FileType.File ? uri : undefined;
  } catch {
    return undefined;
  }
}

function basename(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || 'file';
}
