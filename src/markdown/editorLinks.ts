import * as vscode from 'vscode';
import { escapeLinkText, linkDestination, markdownLink, stripExtension } from '../core/links';
import type { UploadRecord } from '../core/types';
import { ContextKeys, setContextKey } from '../platform/contextKeys';

export type LinkFormat = 'markdown' | 'url' | 'html';

/**
 * How links are written into a document of this language: `kieUpload.linkFormat`, which can be
 * set per language (`"[html]": { "kieUpload.linkFormat": "html" }`); `auto` means Markdown links
 * in Markdown and the bare URL elsewhere.
 */
export function linkFormatFor(languageId: string): LinkFormat {
  const setting = vscode.workspace.getConfiguration('kieUpload', { languageId }).get<string>('linkFormat');
  if (setting === 'markdown' || setting === 'url' || setting === 'html') {
    return setting;
  }
  return languageId === 'markdown' || languageId === 'mdx' ? 'markdown' : 'url';
}

/** The text to put into a document for these uploads, one per line. */
export function linkText(records: readonly UploadRecord[], languageId: string): string {
  const format = linkFormatFor(languageId);
  return records.map((record) => formatLink(record, format)).join('\n');
}

function formatLink(record: UploadRecord, format: LinkFormat): string {
  switch (format) {
    case 'markdown':
      return markdownLink(record);
    case 'html':
      return record.mimeType.startsWith('image/')
        ? `<img src="${attribute(record.url)}" alt="${attribute(stripExtension(record.fileName))}">`
        : `<a href="${attribute(record.url)}">${attribute(record.fileName)}</a>`;
    default:
      return record.url;
  }
}

/**
 * The same links as a snippet: in Markdown the alt (or link) text is a placeholder, selected after
 * insertion so the writer can type over it.
 */
export function linkSnippet(records: readonly UploadRecord[], languageId: string): vscode.SnippetString {
  const format = linkFormatFor(languageId);
  const snippet = new vscode.SnippetString();
  records.forEach((record, index) => {
    if (index > 0) {
      snippet.appendText('\n');
    }
    if (format !== 'markdown') {
      snippet.appendText(formatLink(record, format));
      return;
    }
    const image = record.mimeType.startsWith('image/');
    snippet.appendText(image ? '![' : '[');
    snippet.appendPlaceholder(escapeLinkText(image ? stripExtension(record.fileName) : record.fileName));
    snippet.appendText(`](${linkDestination(record.url)})`);
  });
  return snippet;
}

/** Inserts the links at every cursor of the active editor; false when there is no editor to insert into. */
export async function insertLinks(records: readonly UploadRecord[]): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || records.length === 0) {
    return false;
  }
  const inserted = await editor.insertSnippet(linkSnippet(records, editor.document.languageId), editor.selections);
  if (inserted) {
    await setContextKey(ContextKeys.hasInsertedLink, true);
  }
  return inserted;
}

function attribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
