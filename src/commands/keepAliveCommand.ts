import * as vscode from 'vscode';
import type { UploadHistory } from '../core/history';
import { checkKeepAliveUntil, DEFAULT_KEEP_ALIVE_DAYS } from '../core/keepAlive';
import type { UploadRecord } from '../core/types';
import { pickKeepAliveUntil, type KeepAliveService } from '../history/keepAlive';
import { UploadNode } from '../views/recentUploadsView';
import { CommandIds } from './command';
import { HistoryItemCommand } from './historyItems';

/**
 * `kieUpload.keepAlive(item, items?, until?)`: keeps the links alive until a date. From Recent
 * Uploads it asks until when (7 days first); automation passes `until` (ISO 8601, at most 30 days
 * ahead; default 7 days) and is never asked. `(item, until)` works too. Resolves with the marked
 * records (one, or a list for a selection); expired links cannot be kept alive and are left out.
 */
export class KeepAliveCommand extends HistoryItemCommand<UploadRecord | UploadRecord[] | undefined> {
  readonly id = CommandIds.keepAlive;
  private until?: unknown;

  constructor(
    history: UploadHistory,
    private readonly keepAlive: KeepAliveService,
  ) {
    super(history);
  }

  override execute(item?: unknown, items?: unknown, until?: unknown): Promise<UploadRecord | UploadRecord[] | undefined> {
    this.until = typeof items === 'string' ? items : until;
    return super.execute(item, typeof items === 'string' ? undefined : items);
  }

  protected async run(records: UploadRecord[], clicked?: unknown): Promise<UploadRecord | UploadRecord[] | undefined> {
    const given = this.until;
    this.until = undefined;
    let until: string | undefined;
    if (clicked instanceof UploadNode && given === undefined) {
      until = await pickKeepAliveUntil();
      if (!until) {
        return undefined;
      }
    } else {
      // Throws invalid-input for automation that passed a date that cannot be honoured.
      until = checkKeepAliveUntil(given ?? new Date(Date.now() + DEFAULT_KEEP_ALIVE_DAYS * 24 * 3_600_000).toISOString(), Date.now());
    }
    const marked = await this.keepAlive.keepAlive(records, until);
    const expired = records.filter((record) => !marked.some((entry) => entry.id === record.id));
    if (expired.length > 0) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('{0} has expired and cannot be kept alive: Re-upload it first.', expired.map((record) => record.fileName).join(', ')),
      );
    }
    return records.length === 1 ? marked[0] : marked;
  }
}
