import * as vscode from 'vscode';
import { copyToClipboard, reportClipboardFailure } from '../platform/clipboard';
import { markdownLink } from '../core/links';
import type { UploadRecord } from '../core/types';
import { insertLinks } from '../markdown/editorLinks';
import { CommandIds } from './command';
import { HistoryItemCommand } from './historyItems';

/** Copies text for the selected uploads, one line each; resolves with what was copied. */
abstract class CopyCommand extends HistoryItemCommand<string> {
  protected abstract text(record: UploadRecord): string;

  protected async run(records: UploadRecord[]): Promise<string> {
    const text = records.map((record) => this.text(record)).join('\n');
    if (!(await copyToClipboard(text))) {
      reportClipboardFailure(text);
      return text;
    }
    const expired = records.filter((record) => Date.parse(record.expiresAt) <= Date.now());
    if (expired.length > 0) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Copied, but {0} has expired: the service no longer serves it. Re-upload it for a working link.', expired.map((record) => record.fileName).join(', ')),
      );
    } else {
      vscode.window.setStatusBarMessage(records.length === 1 ? vscode.l10n.t('Copied the link to {0}', records[0].fileName) : vscode.l10n.t('Copied {0} links', records.length), 3000);
    }
    return text;
  }
}

export class CopyLinkCommand extends CopyCommand {
  readonly id = CommandIds.copyLink;
  protected text(record: UploadRecord): string {
    return record.url;
  }
}

export class CopyDownloadLinkCommand extends CopyCommand {
  readonly id = CommandIds.copyDownloadLink;
  protected text(record: UploadRecord): string {
    return record.downloadUrl;
  }
}

export class CopyMarkdownLinkCommand extends CopyCommand {
  readonly id = CommandIds.copyMarkdownLink;
  protected text(record: UploadRecord): string {
    return markdownLink(record);
  }
}

/** Inserts the selected uploads' links at the cursors of the active editor. */
export class InsertLinkCommand extends HistoryItemCommand<boolean> {
  readonly id = CommandIds.insertLink;
  protected async run(records: UploadRecord[]): Promise<boolean> {
    const inserted = await insertLinks(records);
    if (!inserted) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Open an editor to insert the link into.'));
    }
    return inserted;
  }
}

/** Opens each selected upload's link in the browser. */
export class OpenInBrowserCommand extends HistoryItemCommand<boolean> {
  readonly id = CommandIds.openInBrowser;
  protected async run(records: UploadRecord[]): Promise<boolean> {
    let opened = true;
    for (const record of records) {
      opened = (await vscode.env.openExternal(vscode.Uri.parse(record.url))) && opened;
    }
    return opened;
  }
}

/** Forgets the selected uploads (the files stay on the service until they expire). */
export class RemoveFromHistoryCommand extends HistoryItemCommand<number> {
  readonly id = CommandIds.removeFromHistory;
  protected async run(records: UploadRecord[]): Promise<number> {
    await this.history.remove(records.map((record) => record.id));
    return records.length;
  }
}

