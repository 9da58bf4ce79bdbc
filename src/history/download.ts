import * as vscode from 'vscode';
import { localFileName, suggestDownloadName } from '../core/download';
import type { UploadRecord } from '../core/types';
import { formatBytes } from '../core/validation';
import type { UploadService } from '../upload/uploadService';
import type { UploadStatus } from '../upload/uploadStatus';

export interface DownloadDeps {
  uploads: UploadService;
  status?: UploadStatus;
}

/**
 * Saves hosted files into the workspace, the way to keep them before the service deletes them: to
 * `destination` when the caller gave one, else where the user says (the dialog proposes a free
 * name). A download replaces its destination only once it has fully arrived; each shows in the
 * status-bar item and stops with Cancel Uploads. Resolves with where each file was saved.
 */
export async function downloadRecords(deps: DownloadDeps, records: readonly UploadRecord[], destination?: vscode.Uri): Promise<vscode.Uri[]> {
  const saved: vscode.Uri[] = [];
  for (const record of records) {
    const target = destination ?? (await askWhere(record));
    if (!target) {
      continue;
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}', record.fileName), cancellable: true },
      async (progress, token) => {
        const transfer = deps.status?.begin(1, 'download');
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        transfer?.signal.addEventListener('abort', () => controller.abort());
        let reported = 0;
        const onProgress = (bytes: number, total: number) => {
          const percent = total > 0 ? Math.min(100, (bytes / total) * 100) : 0;
          const message = total > 0 ? vscode.l10n.t('{0} of {1}', formatBytes(bytes), formatBytes(total)) : formatBytes(bytes);
          progress.report({ message, increment: Math.max(0, percent - reported) });
          reported = Math.max(reported, percent);
        };
        try {
          await deps.uploads.download(record.downloadUrl, target, { signal: controller.signal, onProgress });
          return undefined;
        } catch (error) {
          return controller.signal.aborted ? 'cancelled' : { message: (error as Error).message };
        } finally {
          cancel.dispose();
          transfer?.end();
        }
      },
    );
    if (result === 'cancelled') {
      continue;
    }
    if (result) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not download {0}: {1}', record.fileName, result.message));
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

/**
 * The save dialog, proposing the first workspace folder and the service's name made safe for a
 * path, numbered when a file of that name is there already: accepting the proposal never replaces
 * anything (the service's name is often the very file that was uploaded).
 */
async function askWhere(record: UploadRecord): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const free = folder ? await suggestDownloadName(record.fileName, (candidate) => exists(vscode.Uri.joinPath(folder, candidate))) : localFileName(record.fileName);
  return vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, free) : undefined,
    saveLabel: vscode.l10n.t('Download'),
    title: vscode.l10n.t('Save {0} before the service deletes it', record.fileName),
  });
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
