import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { escapeLinkText } from '../core/links';
import type { UploadOutcome } from '../core/types';
import { ContextKeys, setContextKey } from '../contextKeys';
import { linkText } from '../editorLinks';

/** One upload started from a drop or a paste. */
export interface PendingUpload {
  label: string;
  start(): Promise<UploadOutcome>;
}

const SCHEME = 'kie-upload-pending';

/**
 * Placeholder links for uploads that are still running, so that a drop or a paste never blocks the
 * editor: `![Uploading photo.png…](kie-upload-pending:abc123)` goes in at once; when the uploads end,
 * the placeholders become the real links (failed ones disappear, with an error message).
 */
export class PendingLinks {
  /** The document version right after the placeholders went in, to know whether the user edited since. */
  private readonly versions = new WeakMap<vscode.TextDocument, number>();

  /** The placeholder text for these uploads, one per line, and the ids to pass to `begin`. */
  placeholders(uploads: readonly PendingUpload[]): { text: string; ids: string[] } {
    const ids = uploads.map(() => randomBytes(6).toString('hex'));
    const text = uploads.map((upload, index) => `![${escapeLinkText(`Uploading ${upload.label}…`)}](${SCHEME}:${ids[index]})`).join('\n');
    return { text, ids };
  }

  /** Runs the uploads and settles their placeholders in one edit. */
  async begin(document: vscode.TextDocument, uploads: readonly PendingUpload[], ids: readonly string[]): Promise<UploadOutcome[]> {
    // A fast upload can finish before the editor has inserted the placeholders.
    const inserted = this.placeholderAppears(document, ids[0], 10_000);
    const outcomes = await Promise.all(uploads.map((upload) => upload.start()));
    await inserted;
    const texts = outcomes.map((outcome) => (outcome.record ? linkText([outcome.record], document.languageId) : ''));
    const ranges = ids.map((id) => findPlaceholder(document, id));
    if (ranges.some((range) => !range)) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Some uploads finished after their placeholder was removed from {0}; their links are in Recent Uploads.', document.fileName));
    }
    const entries = ranges.flatMap((range, index) => (range ? [{ range, text: texts[index] }] : []));
    if (entries.length > 0 && !(await this.replaceInOneUndoStep(document, entries))) {
      const edit = new vscode.WorkspaceEdit();
      entries.forEach((entry) => edit.replace(document.uri, entry.range, entry.text));
      await vscode.workspace.applyEdit(edit);
    }
    if (outcomes.some((outcome) => outcome.record)) {
      await setContextKey(ContextKeys.hasInsertedLink, true);
    }
    outcomes.forEach((outcome, index) => {
      if (outcome.error) {
        void vscode.window.showErrorMessage(vscode.l10n.t('Could not upload {0}: {1}', uploads[index].label, outcome.error.message));
      }
    });
    return outcomes;
  }

  /**
   * When nothing changed since the placeholders went in, undoes their insertion and inserts the links
   * in its place: one undo then removes the whole result. False when that cannot be done safely.
   */
  private async replaceInOneUndoStep(document: vscode.TextDocument, entries: ReadonlyArray<{ range: vscode.Range; text: string }>): Promise<boolean> {
    const editor = vscode.window.activeTextEditor;
    if (editor?.document !== document || this.versions.get(document) !== document.version) {
      return false;
    }
    const before = document.getText();
    const start = document.offsetAt(entries[0].range.start);
    const end = document.offsetAt(entries[entries.length - 1].range.end);
    await vscode.commands.executeCommand('undo');
    if (document.getText() !== before.slice(0, start) + before.slice(end)) {
      // The undo took back something else: put it back and replace in place instead.
      await vscode.commands.executeCommand('redo');
      return false;
    }
    const links = entries.map((entry) => entry.text).filter(Boolean).join('\n');
    return links ? editor.edit((edit) => edit.insert(document.positionAt(start), links)) : true;
  }

  private placeholderAppears(document: vscode.TextDocument, id: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const seen = () => {
        this.versions.set(document, document.version);
        clearTimeout(timer);
        listener.dispose();
        resolve();
      };
      const listener = vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === document && findPlaceholder(document, id)) {
          seen();
        }
      });
      const timer = setTimeout(() => {
        listener.dispose();
        resolve();
      }, timeoutMs);
      if (findPlaceholder(document, id)) {
        seen();
      }
    });
  }
}

function findPlaceholder(document: vscode.TextDocument, id: string): vscode.Range | undefined {
  const text = document.getText();
  const tail = `](${SCHEME}:${id})`;
  const end = text.indexOf(tail);
  if (end === -1) {
    return undefined;
  }
  const start = text.lastIndexOf('![', end);
  return start === -1 ? undefined : new vscode.Range(document.positionAt(start), document.positionAt(end + tail.length));
}
