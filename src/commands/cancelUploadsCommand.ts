import * as vscode from 'vscode';
import type { UploadStatus } from '../upload/uploadStatus';
import { CommandIds, type Command } from './command';

/** `kieUpload.cancelUploads`: stops every upload in flight (also the status-bar item's click). */
export class CancelUploadsCommand implements Command {
  readonly id = CommandIds.cancelUploads;

  constructor(private readonly status: UploadStatus) {}

  execute(): number {
    const cancelled = this.status.cancelAll();
    if (cancelled === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No uploads are in progress.'));
    }
    return cancelled;
  }
}
