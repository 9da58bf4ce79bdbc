import * as vscode from 'vscode';
import { markdownLink } from './core/links';
import type { UploadRecord } from './core/types';

/** The text to put into a document for these uploads: Markdown links in Markdown, bare URLs elsewhere. */
export function linkText(records: readonly UploadRecord[], languageId: string): string {
  return records.map((record) => (languageId === 'markdown' ? markdownLink(record) : record.url)).join('\n');
}

/** Inserts the links at every cursor of the active editor; false when there is no editor to insert into. */
export async function insertLinks(records: readonly UploadRecord[]): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || records.length === 0) {
    return false;
  }
  const text = linkText(records, editor.document.languageId);
  return editor.edit((edit) => {
    for (const selection of editor.selections) {
      edit.replace(selection, text);
    }
  });
}
