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
import { randomBytes } from 'node:crypto';
import { fileNameFromUrl, uploadPathFor } from '../core/naming';
import { fillNameTemplate, nameTemplateProblem, usesHash, type NameContext } from '../core/nameTemplate';
import { clashingNames, planUrls, uploadUrlList, type PlannedUrl } from '../core/urlList';
import { batchWorkers, mapConcurrent } from '../core/pool';
import type { Logger, UploadOptions, UploadOutcome, UploadRecord } from '../core/types';
import { BASE64_LIMIT_BYTES, formatBytes } from '../core/validation';
import { HASHED_BEFORE_SENDING_MAX_BYTES } from '../core/hash';

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

  async uploadFiles(uris: readonly vscode.Uri[], options: UploadOptions = {}, controls: UploadControls = {}): Promise<UploadOutcome[]> {
    const names = await this.batchNames(uris, options);
    if (names instanceof UploadError) {
      return uris.map((uri) => ({ source: String(uri), error: { code: names.code, message: names.message } }));
    }
    return mapConcurrent(uris, batchWorkers(this.deps.getConfig().maxConcurrentUploads), (uri, index) => this.uploadFile(uri, { ...options, ...names?.[index] }, controls));
  }

  async uploadFile(uri: vscode.Uri, options: UploadOptions = {}, controls: UploadControls = {}): Promise<UploadOutcome> {
    const live = options?.reuseLiveLink === true ? await this.liveCopyOfFile(uri, options) : undefined;
    if (live) {
      return this.reused(String(uri), live);
    }
    return this.settle(String(uri), options, async () => {
      options = await this.named(options, { uri, name: basename(uri) });
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
    // The service fetches a URL: the templates, which may need its bytes, apply to local files and data only.
    const named = { ...(typeof url === 'string' && !chosen.fileName ? { fileName: fileNameFromUrl(url.trim()) } : {}), ...chosen };
    return this.settle(String(url), named, async () => (await this.getClient()).uploadUrl(url, await this.named(named), controls), controls);
  }

  /**
   * Asks the service to fetch each URL of a list, at most `maxConcurrentUploads` at once; one outcome
   * per entry, in the list's order. An entry that is not a usable URL sends nothing and gets its
   * reason; a URL listed again is sent once and shares its outcome. Names that would replace each
   * other in one folder stop the whole list before anything is sent.
   */
  async uploadUrls(urls: readonly unknown[], options: UploadOptions = {}, controls: UploadControls = {}): Promise<UploadOutcome[]> {
    const plan = planUrls(Array.isArray(urls) ? urls : []);
    const clash = this.urlNameClash(plan.unique, options);
    if (clash) {
      return plan.entries.map((entry) => ({ source: entry.input, error: { code: 'invalid-input', message: clash } }));
    }
    return uploadUrlList(plan, this.deps.getConfig().maxConcurrentUploads, (url) => this.uploadUrl(url, options, controls), failedEntry);
  }

  /**
   * Why a list of URLs cannot go out as one batch: two of them would get the same name in one folder
   * (a chosen `fileName` for several, or the same last path segment), where the service would let the
   * second replace the first. Only a shared folder can clash: the default naming gives each upload its own.
   */
  urlNameClash(urls: readonly string[], options: UploadOptions = {}): string | undefined {
    const chosen = sanitizeOptions(options);
    if (chosen.uploadPath === undefined && this.deps.getConfig().naming !== 'original') {
      return undefined;
    }
    return clashingNames(urls, (url) => chosen.fileName ?? fileNameFromUrl(url));
  }

  async uploadData(data: Uint8Array, fileName: string, options: UploadOptions = {}, controls: UploadControls = {}): Promise<UploadOutcome> {
    const live =
      options?.reuseLiveLink === true && data instanceof Uint8Array && !(await this.heldBack(options, (engine, globs) => engine.findSensitive(String(fileName), data, globs)))
        ? await this.liveCopy(data.byteLength, async (engine) => engine.sha256OfBytes(data), (engine) => engine.wouldEditMetadata({ whole: data }, this.metadataSettings()))
        : undefined;
    if (live) {
      return this.reused('data', live);
    }
    return this.settle('data', options, async () => {
      options = await this.named(options, { data, name: String(fileName) });
      const check = () => this.guard('data', String(fileName), options, (engine, globs) => engine.findSensitive(String(fileName), data instanceof Uint8Array ? data : undefined, globs));
      return (await this.getClient()).uploadData(data, fileName, options, { ...controls, check });
    }, controls);
  }

  /**
   * Whether a history entry can be uploaded again from where its bytes came from (its local file
   * still there, or the URL the service fetched it from), rather than from its own link.
   */
  async hasOwnSource(record: UploadRecord): Promise<boolean> {
    return /^https?:\/\//i.test(record.source) || (await existingLocalSource(record.source)) !== undefined;
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
   * Whether a link still serves exactly the bytes that were uploaded: downloads it into a hash
   * (nothing is saved) and compares with the hash taken when it was sent. `'gone'` when it has
   * expired or the host answers 404/410; `'changed'` when a later upload under the same name replaced
   * it. Rejects for an unknown id, a record without a hash (URL uploads, older entries) and network failures.
   */
  async verify(id: string, controls: UploadControls = {}): Promise<'identical' | 'changed' | 'gone'> {
    const record = this.deps.history.list().find((candidate) => candidate.id === id);
    if (!record) {
      throw new UploadError('not-found', vscode.l10n.t('There is no upload {0} in Recent Uploads.', String(id)));
    }
    if (Date.parse(record.expiresAt) <= Date.now()) {
      return 'gone';
    }
    if (!record.sha256) {
      throw new UploadError(
        'invalid-input',
        vscode.l10n.t('{0} has no recorded hash to compare with. URL uploads have none, nor uploads made before hashes were kept, nor uploads over 64 MiB to a server on this machine, whose hash was given up so as not to slow them.', record.fileName),
      );
    }
    const remote = await (await this.getClient()).hashRemote(record.url, controls);
    if (remote === 'gone') {
      return 'gone';
    }
    return remote.sha256 === record.sha256 ? 'identical' : 'changed';
  }

  /**
   * An upload in the history of the same bytes whose link stays alive past the expiry warning, for
   * a local file up to 64 MiB. The file is read (hashed) only when some such upload has its size.
   */
  async liveCopyOfFile(uri: vscode.Uri, options: Pick<UploadOptions, 'allowSensitive'> = {}): Promise<UploadRecord | undefined> {
    if (uri.scheme !== 'file') {
      return undefined;
    }
    let size: number;
    try {
      size = (await vscode.workspace.fs.stat(uri)).size;
    } catch {
      return undefined;
    }
    // Nothing to look for (no live upload could match): neither the guard nor a hash is needed.
    const candidates = this.liveCandidates(size);
    // A file the sensitive-file guard holds back is never offered a link either: its upload goes
    // the usual way, where the guard refuses it (or asks the person who chose it).
    if (candidates.length === 0 || (await this.heldBack(options, (engine, globs) => engine.inspectFile(uri.fsPath, globs)))) {
      return undefined;
    }
    return this.liveCopy(size, (engine) => engine.sha256OfFile(uri.fsPath), (engine) => engine.wouldEditMetadata({ path: uri.fsPath }, this.metadataSettings()), candidates);
  }

  private metadataSettings(): { removeLocation: boolean; removeAllMetadata: boolean } {
    const { removeLocation, removeAllMetadata } = this.deps.getConfig();
    return { removeLocation, removeAllMetadata };
  }

  /** Live uploads (past the expiry warning) that could be of `size` bytes, or made from them (an image sent with its location removed); none over 64 MiB. */
  private liveCandidates(size: number): UploadRecord[] {
    if (size > HASHED_BEFORE_SENDING_MAX_BYTES) {
      return [];
    }
    const until = Date.now() + this.deps.getConfig().expiryWarningHours * 3_600_000;
    return this.deps.history
      .list()
      .filter((record) => ((record.sha256 && record.fileSize === size) || record.sourceSha256) && Date.parse(record.expiresAt) > until);
  }

  /**
   * A live upload of these bytes. One that sent them as they are is not reused when the metadata
   * settings would now change them (an upload from before the location was removed, or from while
   * removeLocation was off): its link still serves the place. One made from them is (`sourceSha256`:
   * sent with its location removed).
   */
  private async liveCopy(
    size: number,
    hash: (engine: Engine) => Promise<string>,
    edited: (engine: Engine) => Promise<boolean>,
    candidates = this.liveCandidates(size),
  ): Promise<UploadRecord | undefined> {
    if (candidates.length === 0) {
      return undefined;
    }
    try {
      const engine = await loadEngine();
      const sha256 = await hash(engine);
      const madeFrom = candidates.find((record) => record.sourceSha256 === sha256);
      const asIs = candidates.find((record) => record.sha256 === sha256 && record.fileSize === size);
      return madeFrom ?? (asIs && !(await edited(engine)) ? asIs : undefined);
    } catch (error) {
      this.deps.logger.warn(`Could not hash the file to look for a live link: ${(error as Error).message}`);
      return undefined;
    }
  }

  private reused(source: string, record: UploadRecord): UploadOutcome {
    this.deps.logger.info(`${source}: the same bytes are live at ${record.url} until ${record.expiresAt}; reused, nothing sent`);
    return { source, record };
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

  /** Whether the sensitive-file guard would refuse this upload (without saying so: the upload itself will). */
  private async heldBack(
    options: Pick<UploadOptions, 'allowSensitive'>,
    inspect: (engine: Engine, globs: readonly string[]) => SensitiveFinding | undefined | Promise<SensitiveFinding | undefined>,
  ): Promise<boolean> {
    if (options.allowSensitive === true) {
      return false;
    }
    try {
      return (await inspect(await loadEngine(), this.deps.getConfig().sensitiveFiles)) !== undefined;
    } catch {
      return true; // Not known to be safe: no reuse, and the upload's own guard decides.
    }
  }

  /**
   * Applies the naming: `kieUpload.fileNameTemplate` and `uploadPathTemplate` for a local file or
   * data when set, else the naming scheme; what the caller chose itself stays. A template that
   * cannot be used fails the upload (`invalid-input`) before anything is sent.
   */
  private async named(options: UploadOptions, file?: NamedFile): Promise<UploadOptions> {
    const safe = sanitizeOptions(options);
    const config = this.deps.getConfig();
    const fileNameTemplate = file && safe.fileName === undefined ? config.fileNameTemplate || undefined : undefined;
    const uploadPathTemplate = file && safe.uploadPath === undefined ? config.uploadPathTemplate || undefined : undefined;
    const named: UploadOptions = { ...safe };
    if (fileNameTemplate || uploadPathTemplate) {
      const problem = templateProblems({ fileNameTemplate, uploadPathTemplate })[0];
      if (problem) {
        throw new UploadError('invalid-input', problem);
      }
      const context = await this.nameContext(file!, usesHash(fileNameTemplate) || usesHash(uploadPathTemplate));
      if (fileNameTemplate) {
        named.fileName = fillNameTemplate(fileNameTemplate, context);
      }
      if (uploadPathTemplate) {
        named.uploadPath = fillNameTemplate(uploadPathTemplate, context);
      }
    }
    return named.uploadPath === undefined ? { ...named, uploadPath: uploadPathFor(config.uploadPath, config.naming) } : named;
  }

  private async nameContext(file: NamedFile, hash: boolean): Promise<NameContext> {
    let sha256: string | undefined;
    if (hash) {
      const engine = await loadEngine();
      sha256 = file.data ? engine.sha256OfBytes(file.data) : file.uri?.scheme === 'file' ? await engine.sha256OfFile(file.uri.fsPath) : engine.sha256OfBytes(await vscode.workspace.fs.readFile(file.uri!));
    }
    const folder = file.uri && vscode.workspace.getWorkspaceFolder(file.uri);
    return { fileName: file.name, now: new Date(), sha256, workspaceFolder: folder?.name ?? '', random: randomBytes };
  }

  /**
   * The names a batch of files gets under the templates, worked out before any upload, so that a
   * template that gives two different files the same name stops the batch before its first byte.
   * `undefined` when no template applies (the naming scheme keeps names apart).
   */
  async batchNames(uris: readonly vscode.Uri[], options: UploadOptions = {}): Promise<UploadOptions[] | UploadError | undefined> {
    const config = this.deps.getConfig();
    const safe = sanitizeOptions(options);
    if (!(config.fileNameTemplate && safe.fileName === undefined) && !(config.uploadPathTemplate && safe.uploadPath === undefined)) {
      return undefined;
    }
    const names: UploadOptions[] = [];
    const seen = new Map<string, vscode.Uri>();
    for (const uri of uris) {
      let named: UploadOptions;
      try {
        named = await this.named(safe, { uri, name: basename(uri) });
      } catch (error) {
        return error instanceof UploadError ? error : new UploadError('invalid-input', (error as Error).message);
      }
      const key = `${(named.uploadPath ?? '').replace(/\/+$/, '')}/${named.fileName ?? basename(uri)}`;
      const other = seen.get(key);
      if (other && other.toString() !== uri.toString()) {
        return new UploadError(
          'invalid-input',
          vscode.l10n.t(
            'The naming templates give {0} and {1} the same name ({2}), so one would replace the other. Nothing was uploaded. Add ${baseName}, ${hash:8} or ${random:6} to kieUpload.fileNameTemplate.',
            basename(other),
            basename(uri),
            key,
          ),
        );
      }
      seen.set(key, uri);
      names.push(named);
    }
    return names;
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
        imageMetadata: this.metadataSettings(),
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
  const { fileName, uploadPath, method, allowSensitive, keepAliveUntil, reuseLiveLink } = options as Record<string, unknown>;
  return {
    ...(typeof fileName === 'string' ? { fileName } : {}),
    ...(typeof uploadPath === 'string' ? { uploadPath } : {}),
    ...(method === 'stream' || method === 'base64' ? { method } : {}),
    // A deliberate opt-out of the guard: `1`, `'true'` or `{}` from a careless caller do not count.
    ...(allowSensitive === true ? { allowSensitive } : {}),
    // Passed on as given, so that a wrong value fails the upload (`invalid-input`) instead of being ignored.
    ...(keepAliveUntil !== undefined ? { keepAliveUntil: keepAliveUntil as string } : {}),
    ...(reuseLiveLink === true ? { reuseLiveLink } : {}),
  };
}

/** The outcome of a list entry that was not sent. */
export function failedEntry(entry: PlannedUrl): UploadOutcome {
  return { source: entry.input, error: { code: entry.problem?.code ?? 'invalid-input', message: entry.problem?.message ?? vscode.l10n.t('Not sent.') } };
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

/** A local file or data being named by the templates. */
interface NamedFile {
  readonly uri?: vscode.Uri;
  readonly data?: Uint8Array;
  readonly name: string;
}

/** Says so, with a way to the settings, when a naming template just set cannot be used. Resolves with what was shown. */
export function reportNamingTemplateProblems(templates: { fileNameTemplate?: string; uploadPathTemplate?: string }): string[] {
  const problems = templateProblems(templates);
  if (problems.length > 0) {
    const open = vscode.l10n.t('Open Settings');
    void vscode.window.showErrorMessage(problems.join(' '), open).then((choice) => choice === open && vscode.commands.executeCommand('workbench.action.openSettings', 'kieUpload.fileNameTemplate'));
  }
  return problems;
}

/** What is wrong with the naming templates, as messages (empty when they are fine or unset). */
export function templateProblems(templates: { fileNameTemplate?: string; uploadPathTemplate?: string }): string[] {
  const problems: string[] = [];
  for (const [key, template, kind] of [
    ['kieUpload.fileNameTemplate', templates.fileNameTemplate, 'fileName'],
    ['kieUpload.uploadPathTemplate', templates.uploadPathTemplate, 'uploadPath'],
  ] as const) {
    const problem = template ? nameTemplateProblem(template, kind) : undefined;
    if (problem) {
      problems.push(vscode.l10n.t('{0} cannot be used: {1}. Nothing is uploaded until it is fixed.', key, problem));
    }
  }
  return problems;
}

function basename(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || 'file';
}
