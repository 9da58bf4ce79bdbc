import * as vscode from 'vscode';
import type { UploadOutcome } from '../core/types';
import type { DocumentPublisher } from '../markdown/publishDocument';
import { CommandIds, type Command } from './command';

/**
 * `kieUpload.uploadLocalImages(uri?)`: publishes the local images of a Markdown document. Without
 * arguments it works on the active editor, asks first and previews the edit; with a document URI
 * it never asks, applies the edit and returns the outcomes.
 */
export class UploadLocalImagesCommand implements Command {
  readonly id = CommandIds.uploadLocalImages;

  constructor(private readonly publisher: DocumentPublisher) {}

  async execute(uri?: unknown): Promise<UploadOutcome[] | undefined> {
    const interactive = uri === undefined;
    const document = interactive
      ? vscode.window.activeTextEditor?.document
      : uri instanceof vscode.Uri
        ? await vscode.workspace.openTextDocument(uri)
        : undefined;
    if (!document || document.languageId !== 'markdown') {
      void vscode.window.showWarningMessage(vscode.l10n.t('Open a Markdown document to upload the local images it uses.'));
      return interactive ? undefined : [];
    }
    return this.publisher.publish(document, interactive);
  }
}
