import * as vscode from 'vscode';
import type { UploadOutcome } from '../core/types';
import { urlsInText } from '../core/urlList';
import { runUrlBatch, type UrlBatchDeps } from '../upload/urlBatch';
import { CommandIds, type Command } from './command';

/**
 * `kieUpload.uploadUrlsInSelection`: every http(s) URL in the selected text of the active editor
 * (all selections; the whole line when a selection is empty) goes to the service as one batch,
 * like Upload from URL… with a list. Resolves with one outcome per URL found.
 */
export class UploadUrlsInSelectionCommand implements Command {
  readonly id = CommandIds.uploadUrlsInSelection;

  constructor(private readonly deps: UrlBatchDeps) {}

  async execute(): Promise<UploadOutcome[]> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Open an editor and select text with http(s) URLs in it.'));
      return [];
    }
    const text = editor.selections
      .map((selection) => editor.document.getText(selection.isEmpty ? editor.document.lineAt(selection.active.line).range : selection))
      .join('\n');
    const urls = urlsInText(text);
    if (urls.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('The selection holds no http(s) URL to upload.'));
      return [];
    }
    return runUrlBatch(this.deps, urls, {}, true);
  }
}
