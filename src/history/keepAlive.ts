import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { describeExpiry } from '../core/expiry';
import { sha256OfFile } from '../core/hash';
import type { UploadHistory } from '../core/history';
import {
  checkKeepAliveUntil,
  DEFAULT_KEEP_ALIVE_DAYS,
  KeepAliveScheduler,
  MAX_KEEP_ALIVE_DAYS,
  renewLink,
  withoutKeepAlive,
  type KeepAliveEvents,
  type KeepAliveShared,
  type RenewalOps,
  type RenewalResult,
} from '../core/keepAlive';
import type { Logger, UploadRecord } from '../core/types';
import type { UploadService } from '../upload/uploadService';

/** Global state: the lease (which window renews) and the keep-alive ends already announced. */
const STATE_KEY = 'kieUpload.keepAlive';
const DAY = 24 * 3_600_000;

/** What the extension's integration tests hear of (test mode only). */
export interface KeepAliveTestEvent {
  kind: 'renewed' | 'failed' | 'dying' | 'died' | 'ending' | 'ended';
  files: string[];
  via?: 'local' | 'link';
  at: number;
}

export interface KeepAliveServiceDeps {
  history: UploadHistory;
  uploads: UploadService;
  state: vscode.Memento;
  renewHoursBefore: () => number;
  logger: Logger;
  /** The Re-upload button of the reports. */
  reupload: (records: readonly UploadRecord[]) => Promise<unknown>;
  onEvent?: (event: KeepAliveTestEvent) => void;
}

/**
 * Keep Alive in the editor: marks and unmarks history entries, and runs the core scheduler over the
 * global state (shared by every window) with renewals through `UploadService`. Renewals run in the
 * background; the user hears only of what needs them: a link that could not be renewed, a link that
 * died, a keep-alive about to end. Started after activation, never awaited by it.
 */
export class KeepAliveService implements vscode.Disposable {
  private scheduler: KeepAliveScheduler;
  private readonly subscription: { dispose(): void };
  /** Keep Alive… and Stop Keeping Alive by folder/name, with when: a renewal under way must not undo them. */
  private readonly choices = new Map<string, { until?: string; at: number }>();

  constructor(private readonly deps: KeepAliveServiceDeps) {
    this.scheduler = this.createScheduler();
    this.subscription = deps.history.onDidChange(() => void this.scheduler.check());
  }

  /** Looks at the kept-alive links now: overdue ones are renewed, dead ones reported (in the background). */
  start(): void {
    void this.scheduler.check();
  }

  /** Marks links to be kept alive until `until` (already checked); expired ones cannot be, and are left out. */
  async keepAlive(records: readonly UploadRecord[], until: string): Promise<UploadRecord[]> {
    const now = Date.now();
    const marked = records.filter((record) => Date.parse(record.expiresAt) > now).map((record) => ({ ...record, keepAliveUntil: until }));
    for (const record of marked) {
      this.choices.set(fileKey(record), { until, at: Date.now() });
      await this.deps.history.add(record);
    }
    this.deps.logger.info(`Keep alive until ${until}: ${marked.map((record) => record.fileName).join(', ')}`);
    return marked;
  }

  async stop(records: readonly UploadRecord[]): Promise<UploadRecord[]> {
    const unmarked = records.filter((record) => record.keepAliveUntil).map(withoutKeepAlive);
    for (const record of unmarked) {
      this.choices.set(fileKey(record), { at: Date.now() });
      await this.deps.history.add(record);
    }
    return unmarked;
  }

  /** As if the window closed (the lease is given up): nothing is renewed until `restart`. For the restart tests. */
  suspend(): void {
    this.scheduler.dispose();
  }

  /** As if the extension started again in a new window: a new owner id, and the start-up check. */
  restart(): void {
    this.scheduler.dispose();
    this.scheduler = this.createScheduler();
    this.start();
  }

  dispose(): void {
    this.subscription.dispose();
    this.scheduler.dispose();
  }

  private createScheduler(): KeepAliveScheduler {
    const { state, history } = this.deps;
    return new KeepAliveScheduler({
      owner: randomUUID(),
      store: { get: () => state.get(STATE_KEY), set: (value: KeepAliveShared) => state.update(STATE_KEY, value) },
      records: () => history.list(),
      refresh: () => history.reconcile(),
      update: (record) => history.add(record),
      renew: (record) => this.renew(record),
      renewBeforeMs: () => this.deps.renewHoursBefore() * 3_600_000,
      logger: this.deps.logger,
      events: this.events(),
    });
  }

  /** A renewal, with what the user chose while it ran (stopped, or a new date) applied to its result. */
  private async renew(record: UploadRecord): Promise<RenewalResult> {
    const started = Date.now();
    const result = await renewLink(record, this.renewalOps());
    const choice = this.choices.get(fileKey(record));
    if ('record' in result && choice && choice.at >= started) {
      return { ...result, record: choice.until ? { ...result.record, keepAliveUntil: choice.until } : withoutKeepAlive(result.record) };
    }
    return result;
  }

  private renewalOps(): RenewalOps {
    const { uploads } = this.deps;
    const target = (record: UploadRecord) => ({ uploadPath: record.uploadPath, fileName: record.fileName, keepAliveUntil: record.keepAliveUntil });
    return {
      now: () => Date.now(),
      localFile: (record) => localPath(record.source),
      hashFile: (path) => sha256OfFile(path),
      hashLink: (url) => hashOfLink(uploads, url),
      uploadLocal: (path, record) => uploads.uploadFile(vscode.Uri.file(path), { ...target(record), method: record.method === 'base64' ? 'base64' : 'stream' }),
      uploadFromLink: (record) => uploads.uploadUrl(record.url, target(record)),
    };
  }

  private events(): KeepAliveEvents {
    const tell = (kind: KeepAliveTestEvent['kind'], records: readonly UploadRecord[], via?: 'local' | 'link') =>
      this.deps.onEvent?.({ kind, files: records.map((record) => record.fileName), via, at: Date.now() });
    return {
      renewed: (_before, after, via) => tell('renewed', [after], via),
      failed: (record) => tell('failed', [record]),
      dying: (record, error) => {
        tell('dying', [record]);
        void this.offerReupload(
          vscode.l10n.t('{0} could not be kept alive: {1} Its link stops working {2}.', record.fileName, error.message, describeExpiry(record.expiresAt, Date.now(), vscode.env.language)),
          [record],
        );
      },
      died: (records) => {
        tell('died', records);
        void this.offerReupload(
          vscode.l10n.t('These kept-alive links expired before they could be renewed (VS Code was closed, or renewing failed): {0}.', names(records)),
          records,
        );
      },
      ending: (records) => {
        tell('ending', records);
        const when = new Date(Date.parse(records[0].keepAliveUntil as string)).toLocaleString(vscode.env.language);
        void vscode.window.showInformationMessage(vscode.l10n.t('Keep-alive ends {0} for {1}: after that the links are no longer renewed and die when they expire.', when, names(records)));
      },
      ended: (records) => tell('ended', records),
    };
  }

  private async offerReupload(message: string, records: readonly UploadRecord[]): Promise<void> {
    const reupload = vscode.l10n.t('Re-upload');
    if ((await vscode.window.showWarningMessage(message, reupload)) === reupload) {
      await this.deps.reupload(records);
    }
  }
}

function fileKey(record: UploadRecord): string {
  return `${record.uploadPath}/${record.fileName}`;
}

function names(records: readonly UploadRecord[]): string {
  return records.map((record) => record.fileName).join(', ');
}

/** The record's source as a path on this machine's disk, when it is a local file that is there. */
async function localPath(source: string): Promise<string | undefined> {
  try {
    const uri = vscode.Uri.parse(source, true);
    if (uri.scheme !== 'file') {
      return undefined;
    }
    return (await stat(uri.fsPath)).isFile() ? uri.fsPath : undefined;
  } catch {
    return undefined;
  }
}

/** The SHA-256 of what a link serves: downloaded into a temporary folder (proxy and timeouts as for uploads), hashed, removed. */
async function hashOfLink(uploads: UploadService, url: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kie-keepalive-'));
  try {
    const file = join(dir, 'file');
    await uploads.download(url, vscode.Uri.file(file));
    return await sha256OfFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Asks until when to keep links alive: 7 days (the default, first), other spans, or a date (the end
 * of that day, local time). Undefined when dismissed.
 */
export async function pickKeepAliveUntil(now = Date.now()): Promise<string | undefined> {
  const span = (days: number) => ({
    label: days === 1 ? vscode.l10n.t('1 day') : vscode.l10n.t('{0} days', days),
    description: new Date(now + days * DAY).toLocaleDateString(vscode.env.language, { weekday: 'short', month: 'short', day: 'numeric' }),
    until: new Date(now + days * DAY).toISOString(),
  });
  const date = { label: vscode.l10n.t('Until a date…'), description: vscode.l10n.t('at most {0} days ahead', MAX_KEEP_ALIVE_DAYS), until: '' };
  const picked = await vscode.window.showQuickPick([span(DEFAULT_KEEP_ALIVE_DAYS), span(1), span(3), span(14), span(MAX_KEEP_ALIVE_DAYS), date], {
    title: vscode.l10n.t('Keep the link alive for'),
    placeHolder: vscode.l10n.t('The link is renewed with the same bytes before it expires, until then'),
  });
  if (!picked || picked.until) {
    return picked?.until;
  }
  const endOfDay = (text: string) => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
    return match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 0).toISOString() : undefined;
  };
  const validate = (text: string) => {
    const until = endOfDay(text);
    if (!until) {
      return vscode.l10n.t('Enter a date as YYYY-MM-DD.');
    }
    try {
      checkKeepAliveUntil(until, Date.now());
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Keep the link alive until'),
    value: new Date(now + DEFAULT_KEEP_ALIVE_DAYS * DAY).toISOString().slice(0, 10),
    prompt: vscode.l10n.t('A date (YYYY-MM-DD), at most {0} days ahead', MAX_KEEP_ALIVE_DAYS),
    validateInput: validate,
  });
  return text === undefined ? undefined : endOfDay(text);
}
