import * as vscode from 'vscode';
import type { UploadHistory } from '../core/history';
import type { UploadRecord } from '../core/types';
import type { UploadService } from '../uploadService';
import { CommandIds } from './command';
import { recordsFromArguments } from './historyItems';
import { HistoryItemCommand } from './linkCommands';

/**
 * `kieUpload.downloadToWorkspace(item, destination?)`: saves the hosted file into the workspace,
 * the way to keep it before the service deletes it. A destination URI skips the save dialog.
 * Resolves with where each file was saved.
 */
export class DownloadToWorkspaceCommand extends HistoryItemCommand<vscode.Uri[]> {
  readonly id = CommandIds.downloadToWorkspace;

  constructor(
    history: UploadHistory,
    private readonly uploads: UploadService,
  ) {
    super(history);
  }

  override async execute(item?: unknown, itemsOrDestination?: unknown): Promise<vscode.Uri[] | undefined> {
    if (!(itemsOrDestination instanceof vscode.Uri)) {
      return super.execute(item, itemsOrDestination);
    }
    const records = recordsFromArguments(this.history, item, undefined);
    return records.length === 1 ? this.save(records, itemsOrDestination) : super.execute(item);
  }

  protected run(records: UploadRecord[]): Promise<vscode.Uri[]> {
    return this.save(records);
  }

  /** Saves each record: to `destination` when the caller gave one, else where the user says. */
  private async save(records: UploadRecord[], destination?: vscode.Uri): Promise<vscode.Uri[]> {
    const saved: vscode.Uri[] = [];
    for (const record of records) {
      const target = destination ?? (await askWhere(record));
      if (!target) {
        continue;
      }
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}', record.fileName), cancellable: true },
        async (_progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          try {
            await this.uploads.download(record.downloadUrl, target, { signal: controller.signal });
            return undefined;
          } catch (error) {
            return (error as Error).message;
          }
        },
      );
      if (result) {
        void vscode.window.showErrorMessage(vscode.l10n.t('Could not download {0}: {1}', record.fileName, result));
        continue;
      }
      saved.push(target);
      if (!destination) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Saved {0} to {1}.', record.fileName, vscode.workspace.asRelativePath(target)), vscode.l10n.t('Open')).then((choice) => {
          if (choice) {
            void vscode.commands.executeCommand('vscode.open', target);
          }
        });
      }
    }
    return saved;
  }
}

function askWhere(record: UploadRecord): Thenable<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, record.fileName) : undefined,
    saveLabel: vscode.l10n.t('Download'),
    title: vscode.l10n.t('Save {0} before the service deletes it', record.fileName),
  });
}
