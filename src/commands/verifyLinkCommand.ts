import * as vscode from 'vscode';
import type { UploadHistory } from '../core/history';
import type { UploadOutcome, UploadRecord } from '../core/types';
import type { UploadService } from '../upload/uploadService';
import { CommandIds } from './command';
import { HistoryItemCommand } from './historyItems';

export type LinkState = 'identical' | 'changed' | 'gone';

/**
 * `kieUpload.verifyLink(item)`: downloads each selected upload's link into a hash and compares it
 * with the hash taken when it was sent. The service replaces a file uploaded again under the same
 * name, so a link can change under its users. Resolves with the state (one item) or the states.
 */
export class VerifyLinkCommand extends HistoryItemCommand<LinkState | LinkState[] | undefined> {
  readonly id = CommandIds.verifyLink;

  constructor(
    history: UploadHistory,
    private readonly uploads: UploadService,
    private readonly reupload: (records: UploadRecord[]) => Promise<UploadOutcome[]>,
    /** Sees the warning about broken links and which of them it offers to upload again (test mode only). */
    private readonly onReport?: (report: VerifyReport) => void,
  ) {
    super(history);
  }

  protected async run(records: UploadRecord[]): Promise<LinkState | LinkState[] | undefined> {
    const title = records.length === 1 ? vscode.l10n.t('Verifying the link to {0}', records[0].fileName) : vscode.l10n.t('Verifying {0} links', records.length);
    const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      try {
        const settled: Array<LinkState | Error> = [];
        for (const record of records) {
          settled.push(await this.uploads.verify(record.id, { signal: controller.signal }).catch((error: Error) => error));
        }
        return settled;
      } finally {
        cancel.dispose();
      }
    });
    void this.report(records, results);
    const states = results.map((result) => (result instanceof Error ? undefined : result));
    return records.length === 1 ? states[0] : states.filter((state): state is LinkState => state !== undefined);
  }

  private async report(records: UploadRecord[], results: Array<LinkState | Error>): Promise<void> {
    const named = (state: LinkState) => records.filter((_record, index) => results[index] === state);
    const failed = records.map((record, index) => ({ record, result: results[index] })).filter(({ result }) => result instanceof Error);
    const identical = named('identical');
    const broken = [...named('changed'), ...named('gone')];
    if (identical.length > 0 && broken.length === 0 && failed.length === 0) {
      void vscode.window.showInformationMessage(
        identical.length === 1
          ? vscode.l10n.t('The link to {0} still serves exactly the bytes you uploaded.', identical[0].fileName)
          : vscode.l10n.t('All {0} links still serve exactly the bytes you uploaded.', identical.length),
      );
    }
    for (const { record, result } of failed) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Could not verify {0}: {1}', record.fileName, (result as Error).message));
    }
    if (broken.length === 0) {
      return;
    }
    // Only from where the bytes came from: a changed link's own bytes are someone else's now, and a
    // gone link has none.
    const sourced = new Set<UploadRecord>();
    for (const record of broken) {
      if (await this.uploads.hasOwnSource(record)) {
        sourced.add(record);
      }
    }
    const unsourced = vscode.l10n.t('Its original file is gone, so it cannot be uploaded again.');
    const lines = [
      ...named('changed').map((record) => vscode.l10n.t('{0} now serves different bytes: a later upload under the same name replaced it.', record.fileName) + (sourced.has(record) ? '' : ` ${unsourced}`)),
      ...named('gone').map((record) => vscode.l10n.t('{0} is gone: the file has expired or was removed.', record.fileName) + (sourced.has(record) ? '' : ` ${unsourced}`)),
    ];
    const reupload = vscode.l10n.t('Re-upload');
    const offered = broken.filter((record) => sourced.has(record));
    this.onReport?.({ message: lines.join(' '), reuploadable: offered.map((record) => record.fileName) });
    const actions = offered.length > 0 ? [reupload] : [];
    if ((await vscode.window.showWarningMessage(lines.join(' '), ...actions)) === reupload) {
      await this.reupload(offered);
    }
  }
}

/** The warning Verify Link shows for changed and gone links, and the files it offers to upload again. */
export interface VerifyReport {
  readonly message: string;
  readonly reuploadable: readonly string[];
}
