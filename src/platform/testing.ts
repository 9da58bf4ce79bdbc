import * as vscode from 'vscode';
import type { AgentTools } from '../agent/tools';
import type { UploadOutcome } from '../core/types';
import type { KeepAliveService, KeepAliveTestEvent } from '../history/keepAlive';
import type { UploadDropPasteProvider } from '../markdown/dropPaste';
import type { PublishConfirmation } from '../markdown/publishDocument';
import type { VerifyReport } from '../commands/verifyLinkCommand';
import type { AskReuse } from '../upload/reuseLinks';
import { contextKeyValue } from './contextKeys';

/**
 * What the extension's own integration tests inspect: where the key must never be, and what was
 * shown. Made only when the extension runs in ExtensionMode.Test; undefined otherwise.
 */
export interface TestingHandle {
  globalState: vscode.Memento;
  workspaceState: vscode.Memento;
  logLines: string[];
  warnings: string[][];
  dropPaste?: UploadDropPasteProvider;
  /** The languages drop and paste are registered for now. */
  dropPasteLanguages?: readonly string[];
  /** The Language Model tools as registered, to read their confirmations without a dialog. */
  agentTools?: AgentTools;
  settledDropsAndPastes: UploadOutcome[][];
  /** The summaries naming files the sensitive-file guard held back. */
  skippedSensitive: string[];
  /** Stands in for the modal of Upload Local Images in Document when set: sees what it would show, answers. */
  confirmPublish?: (shown: PublishConfirmation) => Promise<boolean>;
  /** Stands in for the Reuse Link modal when set: sees what it would show, answers. */
  answerReuse?: AskReuse;
  contextKeyValue: typeof contextKeyValue;
  /** Keep Alive: its service (to suspend and restart it as a closed and reopened window would) and what it did. */
  keepAlive?: KeepAliveService;
  keepAliveEvents: KeepAliveTestEvent[];
  /** Verify Link's warnings about broken links, with the files each offered to upload again. */
  verifyReports: VerifyReport[];
}

export function createTestingHandle(context: vscode.ExtensionContext): TestingHandle | undefined {
  if (context.extensionMode !== vscode.ExtensionMode.Test) {
    return undefined;
  }
  return { globalState: context.globalState, workspaceState: context.workspaceState, logLines: [], warnings: [], settledDropsAndPastes: [], skippedSensitive: [], contextKeyValue, keepAliveEvents: [], verifyReports: [] };
}
