import * as vscode from 'vscode';
import type { UploadHistory } from '../core/history';
import type { RecentUploadsProvider } from '../views/recentUploadsView';
import { CommandIds, type Command } from './command';

/** `kieUpload.clearExpired`: forgets every expired upload; resolves with how many went. */
export class ClearExpiredCommand implements Command {
  readonly id = CommandIds.clearExpired;

  constructor(
    private readonly history: UploadHistory,
    private readonly now: () => number = Date.now,
  ) {}

  async execute(): Promise<number> {
    const removed = await this.history.removeExpired(new Date(this.now()));
    vscode.window.setStatusBarMessage(removed === 0 ? vscode.l10n.t('No expired uploads to clear') : vscode.l10n.t('Cleared {0} expired uploads', removed), 3000);
    return removed;
  }
}

/** `kieUpload.refresh`: re-reads the history (another window may have changed it) and redraws. */
export class RefreshCommand implements Command {
  readonly id = CommandIds.refresh;

  constructor(
    private readonly history: UploadHistory,
    private readonly view: RecentUploadsProvider,
  ) {}

  execute(): void {
    this.history.reload();
    this.view.refresh();
  }
}
