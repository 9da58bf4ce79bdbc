import * as vscode from 'vscode';
import type { UploadOutcome } from '../core/types';
import { CommandIds, type Command } from './command';
import { collectFiles, uploadTargets, type UploadCommandDeps } from '../upload/fileTargets';

/**
 * `kieUpload.uploadActiveFile`: uploads the file of the active editor tab, text or not (an image
 * preview, a notebook). The editor title menu passes the tab's URI, which is used instead.
 */
export class UploadActiveFileCommand implements Command {
  readonly id = CommandIds.uploadActiveFile;

  constructor(private readonly deps: UploadCommandDeps) {}

  async execute(uri?: unknown): Promise<UploadOutcome | undefined> {
    const target = uri instanceof vscode.Uri ? uri : activeTabUri();
    if (!target) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Open a file in an editor first: there is no active file to upload.'));
      return undefined;
    }
    if (target.scheme === 'untitled') {
      void vscode.window.showWarningMessage(vscode.l10n.t('Save {0} first: an untitled file cannot be uploaded.', target.path));
      return undefined;
    }
    const document = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === target.toString());
    if (document?.isDirty && !(await document.save())) {
      void vscode.window.showWarningMessage(vscode.l10n.t('{0} has unsaved changes that could not be saved; nothing was uploaded.', target.path));
      return undefined;
    }
    const [outcome] = await uploadTargets(this.deps, await collectFiles([target]), uri === undefined);
    return outcome;
  }
}

function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputNotebook) {
    return input.uri;
  }
  return vscode.window.activeTextEditor?.document.uri;
}
