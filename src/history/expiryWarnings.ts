import * as vscode from 'vscode';
import { describeExpiry, dueWarnings, nextWarningDelay, warningKey } from '../core/expiry';
import type { UploadHistory } from '../core/history';
import { HISTORY_THROTTLE_MS, throttle } from '../core/throttle';
import { willBeRenewed } from '../core/keepAlive';
import type { UploadRecord } from '../core/types';

const WARNED_KEY = 'kieUpload.expiryWarned';

export interface ExpiryWarningDeps {
  history: UploadHistory;
  /** Global state: the warnings already shown, so none is shown twice, also after a reload or in another window. */
  state: vscode.Memento;
  warningHours: () => number;
  now?: () => number;
  /** The warning's Re-upload and Download buttons. */
  reupload: (records: readonly UploadRecord[]) => Promise<unknown>;
  download: (records: readonly UploadRecord[]) => Promise<unknown>;
  /** Told of every warning shown (the integration tests listen). */
  onWarn?: (records: readonly UploadRecord[]) => void;
}

/**
 * One notification per upload before its link dies (`kieUpload.expiryWarningHours` ahead),
 * listing every upload that entered the window together, with Re-upload, Download and Dismiss.
 * It waits for the next upload to enter the window with a single timer: no polling.
 */
export class ExpiryWarnings implements vscode.Disposable {
  private timer?: NodeJS.Timeout;
  private readonly subscription: { dispose(): void };
  private readonly now: () => number;

  constructor(private readonly deps: ExpiryWarningDeps) {
    this.now = deps.now ?? Date.now;
    // A folder of uploads changes the history with every file: checked at most every 100 ms.
    const checkSoon = throttle(() => this.check(), HISTORY_THROTTLE_MS);
    const subscription = deps.history.onDidChange(checkSoon);
    this.subscription = { dispose: () => (subscription.dispose(), checkSoon.dispose()) };
  }

  /** Warns about what is due now and schedules the next check. */
  check(): void {
    clearTimeout(this.timer);
    const windowMs = this.deps.warningHours() * 3_600_000;
    if (windowMs <= 0) {
      return;
    }
    // A kept-alive link is renewed before it dies; if renewing fails, Keep Alive says so itself.
    const records = this.deps.history.list().filter((record) => !willBeRenewed(record, this.now()));
    const warned = new Set(this.deps.state.get<string[]>(WARNED_KEY) ?? []);
    const due = dueWarnings(records, warned, this.now(), windowMs);
    if (due.length > 0) {
      // Remember first, so that another window (or a quick second check) does not warn again.
      const live = new Set(records.map(warningKey));
      const keep = [...warned].filter((key) => live.has(key));
      void this.deps.state.update(WARNED_KEY, [...keep, ...due.map(warningKey)]);
      void this.show(due);
      due.forEach((record) => warned.add(warningKey(record)));
    }
    const delay = nextWarningDelay(records, warned, this.now(), windowMs);
    if (delay !== undefined) {
      this.timer = setTimeout(() => this.check(), Math.min(delay + 1000, 2 ** 31 - 1));
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
  }

  private async show(records: readonly UploadRecord[]): Promise<void> {
    this.deps.onWarn?.(records);
    const now = this.now();
    const list = records.map((record) => `${record.fileName} (${describeExpiry(record.expiresAt, now, vscode.env.language)})`).join(', ');
    const message =
      records.length === 1
        ? vscode.l10n.t('The link to {0} will stop working soon: the service deletes the file when it expires.', list)
        : vscode.l10n.t('{0} links will stop working soon: {1}.', records.length, list);
    const reupload = vscode.l10n.t('Re-upload');
    const download = vscode.l10n.t('Download');
    const dismiss = vscode.l10n.t('Dismiss');
    const choice = await vscode.window.showWarningMessage(message, reupload, download, dismiss);
    if (choice === reupload) {
      await this.deps.reupload(records);
    } else if (choice === download) {
      await this.deps.download(records);
    }
  }
}
