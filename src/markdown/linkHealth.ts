import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeExpiry, expiryState, nextLabelChange } from '../core/expiry';
import type { UploadHistory } from '../core/history';
import { HISTORY_THROTTLE_MS, throttle } from '../core/throttle';
import { replacementFor, scanLinkTargets, type LinkTarget } from '../core/markdownScan';
import type { UploadRecord } from '../core/types';
import { CommandIds } from '../commands/command';

export const EXPIRED_CODE = 'kieUpload.expiredLink';
export const EXPIRING_CODE = 'kieUpload.expiringLink';

interface LinkDiagnostic extends vscode.Diagnostic {
  record: UploadRecord;
  target: LinkTarget;
}

export interface LinkHealthDeps {
  history: UploadHistory;
  warningHours: () => number;
  now?: () => number;
}

/**
 * Flags links in Markdown documents whose URL is one of the user's uploads: a warning once the
 * service has deleted the file, information while it expires within the warning window. The
 * diagnostics follow edits, the history and the clock (one timer for the next change).
 */
export class LinkHealth implements vscode.Disposable, vscode.CodeActionProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection('kieUpload');
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private timer?: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly deps: LinkHealthDeps) {
    this.now = deps.now ?? Date.now;
    this.subscriptions.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((document) => this.check(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.checkSoon(event.document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.collection.delete(document.uri)),
      vscode.languages.registerCodeActionsProvider({ language: 'markdown' }, this, { providedCodeActionKinds: LinkHealth.providedCodeActionKinds }),
    );
    // A folder of uploads changes the history with every file: the documents are read again at most every 100 ms.
    const checkAllSoon = throttle(() => this.checkAll(), HISTORY_THROTTLE_MS);
    const subscription = deps.history.onDidChange(checkAllSoon);
    this.subscriptions.push({ dispose: () => (subscription.dispose(), checkAllSoon.dispose()) });
    this.checkAll();
  }

  checkAll(): void {
    vscode.workspace.textDocuments.forEach((document) => this.check(document));
    this.schedule();
  }

  check(document: vscode.TextDocument): void {
    if (document.languageId !== 'markdown') {
      return;
    }
    const byUrl = new Map<string, UploadRecord>();
    for (const record of this.deps.history.list()) {
      byUrl.set(record.url, record);
      byUrl.set(record.downloadUrl, record);
    }
    const now = this.now();
    const windowMs = this.deps.warningHours() * 3_600_000;
    const diagnostics: LinkDiagnostic[] = [];
    for (const target of byUrl.size ? scanLinkTargets(document.getText()) : []) {
      const record = byUrl.get(target.target);
      const state = record ? expiryState(record.expiresAt, now, windowMs) : 'active';
      if (!record || state === 'active') {
        continue;
      }
      const range = new vscode.Range(document.positionAt(target.start), document.positionAt(target.end));
      const expired = state === 'expired';
      const message = expired
        ? vscode.l10n.t('{0} {1}: the service has deleted the file, so this link no longer works.', record.fileName, describeExpiry(record.expiresAt, now, vscode.env.language))
        : vscode.l10n.t('{0} {1}: the service deletes the file then, and this link stops working.', record.fileName, describeExpiry(record.expiresAt, now, vscode.env.language));
      const diagnostic = new vscode.Diagnostic(range, message, expired ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information) as LinkDiagnostic;
      diagnostic.source = 'Kie File Upload';
      diagnostic.code = expired ? EXPIRED_CODE : EXPIRING_CODE;
      diagnostic.record = record;
      diagnostic.target = target;
      diagnostics.push(diagnostic);
    }
    this.collection.set(document.uri, diagnostics);
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      const { record, target } = diagnostic as Partial<LinkDiagnostic>;
      if (!record || !target || (diagnostic.code !== EXPIRED_CODE && diagnostic.code !== EXPIRING_CODE)) {
        continue;
      }
      const reupload = new vscode.CodeAction(vscode.l10n.t('Re-upload and replace link'), vscode.CodeActionKind.QuickFix);
      reupload.diagnostics = [diagnostic];
      reupload.isPreferred = true;
      reupload.command = { command: CommandIds.reuploadLink, title: reupload.title, arguments: [document.uri, diagnostic.range, record.id, target] };
      actions.push(reupload);
      const local = localSource(record);
      if (local && document.uri.scheme === 'file') {
        const relative = path.relative(path.dirname(document.uri.fsPath), local).split(path.sep).join('/');
        const replace = new vscode.CodeAction(vscode.l10n.t('Replace with local file link ({0})', relative), vscode.CodeActionKind.QuickFix);
        replace.diagnostics = [diagnostic];
        replace.edit = new vscode.WorkspaceEdit();
        replace.edit.replace(document.uri, diagnostic.range, replacementFor(target, relative));
        actions.push(replace);
      }
    }
    return actions;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.pending.forEach((timer) => clearTimeout(timer));
    vscode.Disposable.from(...this.subscriptions).dispose();
  }

  private checkSoon(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(key, setTimeout(() => this.check(document), 250));
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const windowMs = this.deps.warningHours() * 3_600_000;
    const boundaries = this.deps.history.list().flatMap((record) => [record.expiresAt, new Date(Date.parse(record.expiresAt) - windowMs).toISOString()]);
    const delay = nextLabelChange(boundaries, this.now());
    if (delay !== undefined) {
      this.timer = setTimeout(() => this.checkAll(), Math.min(delay, 2 ** 31 - 1));
    }
  }
}

/** The local file an upload came from, when it still exists on this machine's disk. */
function localSource(record: UploadRecord): string | undefined {
  if (!record.source.startsWith('file:')) {
    return undefined;
  }
  try {
    const file = vscode.Uri.parse(record.source, true).fsPath;
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** The link diagnostics and their quick fixes in Markdown documents; dispose to remove both. */
export function registerLinkHealth(deps: LinkHealthDeps): LinkHealth {
  return new LinkHealth(deps);
}
