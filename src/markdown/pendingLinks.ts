import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { escapeLinkText } from '../core/links';
import type { UploadOutcome } from '../core/types';
import { ContextKeys, setContextKey } from '../platform/contextKeys';
import { linkText } from './editorLinks';
import type { UploadJob } from '../upload/uploadFlow';

/** One upload started from a drop or a paste. */
export type PendingUpload = UploadJob;

/** Runs the uploads of one drop or paste the way every upload runs (progress, status bar, summary). */
export type RunUploads = (uploads: readonly PendingUpload[]) => Promise<UploadOutcome[]>;

const SCHEME = 'kie-upload-pending';

interface Replacement {
  range: vscode.Range;
  text: string;
}

/**
 * Placeholder links for uploads that are still running, so that a drop or a paste never blocks the
 * editor: `![Uploading photo.png…](kie-upload-pending:abc123)` ("Optimising and uploading" when
 * kieUpload.images.optimize will re-encode it first) goes in at once; when the uploads end,
 * the placeholders become the real links (failed ones disappear; the upload summary says why).
 * Only the document's own placeholder ranges are edited: never the global undo/redo commands, which
 * act on whatever has focus (the Explorer's file operations included).
 */
export class PendingLinks {
  /** The document version right after the placeholders went in, to know whether the user edited since. */
  private readonly versions = new WeakMap<vscode.TextDocument, number>();

  constructor(private readonly run: RunUploads) {}

  /** The placeholder text for these uploads, one per line, and the ids to pass to `begin`. */
  placeholders(uploads: readonly PendingUpload[]): { text: string; ids: string[] } {
    const ids = uploads.map(() => randomBytes(6).toString('hex'));
    const text = uploads
      .map((upload, index) => {
        const what = upload.optimising ? vscode.l10n.t('Optimising and uploading {0}…', upload.label) : vscode.l10n.t('Uploading {0}…', upload.label);
        return `![${escapeLinkText(what)}](${SCHEME}:${ids[index]})`;
      })
      .join('\n');
    return { text, ids };
  }

  /** Runs the uploads and settles their placeholders in one edit. */
  async begin(document: vscode.TextDocument, uploads: readonly PendingUpload[], ids: readonly string[]): Promise<UploadOutcome[]> {
    // A fast upload can finish before the editor has inserted the placeholders.
    const inserted = this.placeholderAppears(document, ids[0], 10_000);
    const outcomes = await this.run(uploads);
    await inserted;
    const texts = outcomes.map((outcome) => (outcome.record ? linkText([outcome.record], document.languageId) : ''));
    const ranges = ids.map((id) => findPlaceholder(document, id));
    if (ranges.some((range) => !range)) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Some uploads finished after their placeholder was removed from {0}; their links are in Recent Uploads.', document.fileName));
    }
    const entries = ranges.flatMap((range, index) => (range ? [{ range, text: texts[index] }] : []));
    if (entries.length > 0) {
      await this.replace(document, joinRemovals(document, entries));
    }
    if (outcomes.some((outcome) => outcome.record)) {
      await setContextKey(ContextKeys.hasInsertedLink, true);
    }
    return outcomes;
  }

  /**
   * Replaces the placeholders. When nothing changed since they went in and the document is in an
   * editor, the edit joins the placeholders' own undo step where the editor allows it.
   */
  private async replace(document: vscode.TextDocument, entries: readonly Replacement[]): Promise<void> {
    const editor = vscode.window.visibleTextEditors.find((candidate) => candidate.document === document);
    if (editor && this.versions.get(document) === document.version) {
      const done = await editor.edit((edit) => entries.forEach((entry) => edit.replace(entry.range, entry.text)), { undoStopBefore: false, undoStopAfter: true });
      if (done) {
        return;
      }
    }
    const edit = new vscode.WorkspaceEdit();
    entries.forEach((entry) => edit.replace(document.uri, entry.range, entry.text));
    await vscode.workspace.applyEdit(edit);
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

/**
 * The placeholders went in one per line: a failed upload's placeholder takes its line break with it
 * when it borders another placeholder of the batch, so that no blank line is left between the links.
 */
function joinRemovals(document: vscode.TextDocument, entries: readonly Replacement[]): Replacement[] {
  const text = document.getText();
  const sorted = [...entries].sort((a, b) => document.offsetAt(a.range.start) - document.offsetAt(b.range.start));
  const lineBreak = (from: vscode.Position, to: vscode.Position) => /^\r?\n$/.test(text.slice(document.offsetAt(from), document.offsetAt(to)));
  return sorted.map((entry, index) => {
    if (entry.text !== '') {
      return entry;
    }
    const next = sorted[index + 1];
    if (next && lineBreak(entry.range.end, next.range.start)) {
      return { range: new vscode.Range(entry.range.start, next.range.start), text: '' };
    }
    const previous = sorted[index - 1];
    if (previous && previous.text !== '' && lineBreak(previous.range.end, entry.range.start)) {
      return { range: new vscode.Range(previous.range.end, entry.range.end), text: '' };
    }
    return entry;
  });
}
