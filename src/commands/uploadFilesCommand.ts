import * as vscode from 'vscode';
import type { UploadOutcome } from '../core/types';
import { formatBytes } from '../core/validation';
import { CommandIds, type Command } from './command';
import { basename, collectFiles, uploadTargets, urisFromArguments, type FileTargets, type UploadCommandDeps } from '../upload/fileTargets';

/**
 * `kieUpload.uploadFiles(uri?, uris?)`: with arguments it uploads them (folders: their files)
 * without any prompt and returns the outcomes; without, it opens a dialog for many files.
 */
export class UploadFilesCommand implements Command {
  readonly id = CommandIds.uploadFiles;

  constructor(private readonly deps: UploadCommandDeps) {}

  async execute(uri?: unknown, uris?: unknown): Promise<UploadOutcome[]> {
    let targets: vscode.Uri[] | undefined;
    try {
      targets = urisFromArguments(uri, uris);
    } catch (error) {
      void vscode.window.showErrorMessage((error as Error).message);
      return [];
    }
    if (targets) {
      return uploadTargets(this.deps, await collectFiles(targets), false);
    }
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: true,
      canSelectFiles: true,
      canSelectFolders: false,
      openLabel: vscode.l10n.t('Upload'),
      title: vscode.l10n.t('Upload Files to Kie'),
    });
    return picked?.length ? uploadTargets(this.deps, await collectFiles(picked), true) : [];
  }
}

/**
 * The Explorer's "Upload to Kie": the same upload, for a person. Folders are confirmed first,
 * with the number of files and their size, and a missing key is asked for.
 */
export class UploadFromExplorerCommand implements Command {
  readonly id = CommandIds.uploadFromExplorer;

  constructor(private readonly deps: UploadCommandDeps) {}

  async execute(uri?: unknown, uris?: unknown): Promise<UploadOutcome[]> {
    const selected = urisFromArguments(uri, uris) ?? [];
    const targets = await collectFiles(selected);
    if (targets.folders.length > 0 && targets.files.length > 0 && !(await confirmFolders(targets))) {
      return [];
    }
    return uploadTargets(this.deps, targets, true);
  }
}

async function confirmFolders(targets: FileTargets): Promise<boolean> {
  const size = formatBytes(targets.files.reduce((sum, file) => sum + file.size, 0));
  const folders = targets.folders.map(basename).join(', ');
  const upload = vscode.l10n.t('Upload');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Upload {0} files ({1}) from {2}?', targets.files.length, size, folders),
    { modal: true, detail: vscode.l10n.t('Files excluded by files.exclude are left out. Uploaded files are public to anyone with the link and are deleted after the retention period.') },
    upload,
  );
  return choice === upload;
}
