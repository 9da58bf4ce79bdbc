import * as vscode from 'vscode';
import type { UploadHistory } from '../core/history';
import type { UploadRecord } from '../core/types';
import { downloadRecords, type DownloadDeps } from '../history/download';
import { CommandIds } from './command';
import { HistoryItemCommand, recordsFromArguments } from './historyItems';

/**
 * `kieUpload.downloadToWorkspace(item, destination?)`: saves the hosted file into the workspace,
 * the way to keep it before the service deletes it. A destination URI skips the save dialog.
 * Resolves with where each file was saved. The dialog proposes a free name (never a file that is
 * there already), and a download replaces its destination only once it has fully arrived. Each
 * download shows in the status-bar item and stops with Cancel Uploads too.
 */
export class DownloadToWorkspaceCommand extends HistoryItemCommand<vscode.Uri[]> {
  readonly id = CommandIds.downloadToWorkspace;

  constructor(
    history: UploadHistory,
    private readonly deps: DownloadDeps,
  ) {
    super(history);
  }

  override async execute(item?: unknown, itemsOrDestination?: unknown): Promise<vscode.Uri[] | undefined> {
    if (!(itemsOrDestination instanceof vscode.Uri)) {
      return super.execute(item, itemsOrDestination);
    }
    const records = recordsFromArguments(this.history, item, undefined);
    return records.length === 1 ? downloadRecords(this.deps, records, itemsOrDestination) : super.execute(item);
  }

  protected run(records: UploadRecord[]): Promise<vscode.Uri[]> {
    return downloadRecords(this.deps, records);
  }
}
