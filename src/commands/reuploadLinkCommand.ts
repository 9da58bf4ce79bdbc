import * as vscode from 'vscode';
import type { UploadHistory } from '../core/history';
import { replacementFor, scanLinkTargets, type LinkTarget } from '../core/markdownScan';
import type { UploadOutcome, UploadRecord } from '../core/types';
import { CommandIds, type Command } from './command';

/**
 * `kieUpload.reuploadLink(documentUri, range, recordId, target?)`: the quick fix behind "Re-upload and
 * replace link". The document may change while the upload runs, so the link is found again afterwards
 * (its range followed through the edits, else the nearest use of the old URL), never written into the
 * range captured before.
 */
export class ReuploadLinkCommand implements Command {
  readonly id = CommandIds.reuploadLink;

  constructor(
    private readonly history: UploadHistory,
    private readonly reupload: (record: UploadRecord) => Promise<UploadOutcome>,
  ) {}

  async execute(documentUri?: unknown, range?: unknown, recordId?: unknown, target?: LinkTarget): Promise<UploadOutcome | undefined> {
    const record = this.history.list().find((entry) => entry.id === recordId);
    if (!record || !(documentUri instanceof vscode.Uri) || !(range instanceof vscode.Range)) {
      return undefined;
    }
    const document = await vscode.workspace.openTextDocument(documentUri);
    const oldUrl = target?.target ?? document.getText(range);
    const tracker = new OffsetTracker(document, document.offsetAt(range.start));
    let outcome: UploadOutcome | undefined;
    try {
      outcome = await this.reupload(record);
    } finally {
      tracker.dispose();
    }
    if (outcome?.record) {
      const found = findLink(document, oldUrl, tracker.offset);
      if (!found) {
        void vscode.window.showWarningMessage(vscode.l10n.t('The link to {0} changed during the upload and was left as it is; the new link is in Recent Uploads.', record.fileName));
        return outcome;
      }
      const edit = new vscode.WorkspaceEdit();
      const where = new vscode.Range(document.positionAt(found.start), document.positionAt(found.end));
      edit.replace(document.uri, where, replacementFor(found, outcome.record.url));
      await vscode.workspace.applyEdit(edit);
    }
    return outcome;
  }
}

/** Follows an offset in a document through its edits. */
class OffsetTracker implements vscode.Disposable {
  private readonly listener: vscode.Disposable;

  constructor(
    document: vscode.TextDocument,
    public offset: number,
  ) {
    this.listener = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document !== document) {
        return;
      }
      // Changes come with offsets in the text before the event, later ones first or in any order:
      // only those wholly before the offset move it.
      const shift = event.contentChanges
        .filter((change) => change.rangeOffset + change.rangeLength <= this.offset)
        .reduce((sum, change) => sum + change.text.length - change.rangeLength, 0);
      this.offset += shift;
    });
  }

  dispose(): void {
    this.listener.dispose();
  }
}

/** The use of `url` that starts at `offset`, else the one nearest to it. */
function findLink(document: vscode.TextDocument, url: string, offset: number): LinkTarget | undefined {
  const uses = scanLinkTargets(document.getText()).filter((candidate) => candidate.target === url);
  return uses.sort((a, b) => Math.abs(a.start - offset) - Math.abs(b.start - offset))[0];
}
