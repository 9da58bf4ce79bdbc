import * as vscode from 'vscode';
import { escapeLinkText, linkDestination, stripExtension } from '../core/links';
import { autoFormat, fillLinkTemplate, formatLink, LINK_FORMATS, linkTemplateProblem, type LinkFormat } from '../core/linkSyntax';

export type { LinkFormat } from '../core/linkSyntax';
import type { UploadRecord } from '../core/types';
import { ContextKeys, setContextKey } from '../platform/contextKeys';

/**
 * How links are written into a document of this language: `kieUpload.linkTemplate` when set (it
 * can be set per language), else `kieUpload.linkFormat` (also per language, e.g.
 * `"[html]": { "kieUpload.linkFormat": "html" }`), whose `auto` means the language's own syntax
 * (Markdown, HTML, AsciiDoc, reStructuredText, LaTeX, Org) and the bare URL elsewhere.
 */
export function linkFormatFor(languageId: string): LinkFormat {
  const setting = vscode.workspace.getConfiguration('kieUpload', { languageId }).get<string>('linkFormat');
  return (LINK_FORMATS as readonly string[]).includes(setting ?? '') ? (setting as LinkFormat) : autoFormat(languageId);
}

/** `kieUpload.linkTemplate` for this language, when set and valid (an invalid one was reported when it was set). */
export function linkTemplateFor(languageId: string): string | undefined {
  const template = vscode.workspace.getConfiguration('kieUpload', { languageId }).get<string>('linkTemplate');
  return typeof template === 'string' && template.trim() && !linkTemplateProblem(template) ? template : undefined;
}

/** The text to put into a document for these uploads, one per line. */
export function linkText(records: readonly UploadRecord[], languageId: string): string {
  const template = linkTemplateFor(languageId);
  const format = linkFormatFor(languageId);
  return records.map((record) => (template ? fillLinkTemplate(template, record) : formatLink(record, format))).join('\n');
}

/**
 * The same links as a snippet: in Markdown the alt (or link) text is a placeholder, selected after
 * insertion so the writer can type over it.
 */
export function linkSnippet(records: readonly UploadRecord[], languageId: string): vscode.SnippetString {
  const format = linkFormatFor(languageId);
  const snippet = new vscode.SnippetString();
  if (linkTemplateFor(languageId)) {
    return snippet.appendText(linkText(records, languageId));
  }
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

/** What is wrong with `kieUpload.linkTemplate`, for the base value and each language it is set for. */
export function linkTemplateProblems(): string[] {
  const languages = vscode.workspace.getConfiguration('kieUpload').inspect('linkTemplate')?.languageIds ?? [];
  const problems = new Set<string>();
  for (const languageId of [undefined, ...languages]) {
    const template = vscode.workspace.getConfiguration('kieUpload', languageId ? { languageId } : undefined).get<unknown>('linkTemplate');
    const problem = typeof template === 'string' && template.trim() ? linkTemplateProblem(template) : undefined;
    if (problem) {
      problems.add(
        languageId
          ? vscode.l10n.t('kieUpload.linkTemplate for {0} is not used: {1}.', languageId, problem)
          : vscode.l10n.t('kieUpload.linkTemplate is not used: {0}.', problem),
      );
    }
  }
  return [...problems];
}

/** Says so, with a way to the setting, when the link template just set cannot be used. Resolves with what was shown. */
export async function reportLinkTemplateProblems(): Promise<string[]> {
  const problems = linkTemplateProblems();
  if (problems.length > 0) {
    const open = vscode.l10n.t('Open Settings');
    void vscode.window.showErrorMessage(problems.join(' '), open).then((choice) => choice === open && vscode.commands.executeCommand('workbench.action.openSettings', 'kieUpload.linkTemplate'));
  }
  return problems;
}
