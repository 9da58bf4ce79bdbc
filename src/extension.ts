import * as vscode from 'vscode';
import type { KieUploadApi } from './api';
import { CancelUploadsCommand } from './commands/cancelUploadsCommand';
import { ClearApiKeyCommand } from './commands/clearApiKeyCommand';
import { registerCommands } from './commands/command';
import { DownloadToWorkspaceCommand } from './commands/downloadCommand';
import { ClearExpiredCommand, RefreshCommand } from './commands/historyCommands';
import {
  CopyDownloadLinkCommand,
  CopyLinkCommand,
  CopyMarkdownLinkCommand,
  InsertLinkCommand,
  OpenInBrowserCommand,
  RemoveFromHistoryCommand,
} from './commands/linkCommands';
import { ReuploadCommand } from './commands/reuploadCommand';
import { SetApiKeyCommand } from './commands/setApiKeyCommand';
import { UploadActiveFileCommand } from './commands/uploadActiveFileCommand';
import { UploadFilesCommand, UploadFromExplorerCommand } from './commands/uploadFilesCommand';
import { UploadUrlCommand } from './commands/uploadUrlCommand';
import { SECTION, readConfig, type KieConfig } from './platform/config';
import { ContextKeys, contextKeyValue, setContextKey } from './platform/contextKeys';
import { UploadHistory } from './core/history';
import { ExpiryWarnings } from './history/expiryWarnings';
import type { UploadOutcome } from './core/types';
import { KeyStore } from './platform/keyStore';
import { registerDropPaste, UploadDropPasteProvider } from './markdown/dropPaste';
import { LinkHealth, ReuploadLinkCommand } from './markdown/linkHealth';
import { PendingLinks } from './markdown/pendingLinks';
import { showPublishConfirmation, UploadLocalImagesCommand, type PublishConfirmation } from './markdown/publishDocument';
import { RedactingLogger } from './platform/log';
import { UploadFlow } from './upload/uploadFlow';
import { UploadService } from './upload/uploadService';
import { UploadStatus } from './upload/uploadStatus';
import { RecentUploadsProvider, registerRecentUploadsView } from './views/recentUploadsView';
import { configureMessages } from './upload/engineLoader';
import { registerUploadTools, type AgentTools } from './agent/tools';

const HISTORY_KEY = 'kieUpload.history';
/** Where stored histories that could not be read are kept (the last five), rather than overwritten. */
const UNREADABLE_HISTORY_KEY = 'kieUpload.history.unreadable';

function keepAside(state: vscode.Memento, value: unknown): Thenable<void> {
  const kept = state.get<unknown>(UNREADABLE_HISTORY_KEY);
  const previous = Array.isArray(kept) ? kept : [];
  if (previous.length > 0 && JSON.stringify(previous[previous.length - 1]?.value) === JSON.stringify(value)) {
    return Promise.resolve();
  }
  return state.update(UNREADABLE_HISTORY_KEY, [...previous, { keptAt: new Date().toISOString(), value }].slice(-5));
}

export function activate(context: vscode.ExtensionContext): KieUploadApi {
  configureMessages();
  const testing = context.extensionMode === vscode.ExtensionMode.Test ? createTestingHandle(context) : undefined;
  const channel = vscode.window.createOutputChannel('Kie File Upload', { log: true });
  const logger = new RedactingLogger(channel, testing && ((line) => testing.logLines.push(line)));
  const keys = new KeyStore(context.secrets);
  let config: KieConfig = readConfig();
  const getConfig = () => config;

  const trackKey = () => void keys.get().then((key) => logger.setSecrets([key]));
  trackKey();

  const history = new UploadHistory(
    {
      get: () => context.globalState.get(HISTORY_KEY),
      set: (records) => context.globalState.update(HISTORY_KEY, records),
      keepAside: (value) => keepAside(context.globalState, value),
    },
    {
      limit: config.historyLimit,
      logger,
      onUnreadable: () =>
        void vscode.window.showWarningMessage(
          vscode.l10n.t('The stored upload history could not be read. It was kept aside unchanged (in the global state under {0}) and a new history was started.', UNREADABLE_HISTORY_KEY),
        ),
    },
  );
  flushHistory = () => history.flush();
  const historyChanged = new vscode.EventEmitter<void>();
  const uploads = new UploadService({ getConfig, getApiKey: () => keys.get(), history, logger, redact: (text) => logger.redact(text) });
  const status = new UploadStatus();
  const flow = new UploadFlow({ keys, getConfig, status, onSkippedSensitive: testing && ((message) => testing.skippedSensitive.push(message)) });
  const uploadDeps = { uploads, flow };
  const recentUploads = new RecentUploadsProvider(history);
  const dropPaste = new UploadDropPasteProvider({
    uploads,
    pending: new PendingLinks((jobs) => flow.run(jobs, { interactive: true, intoDocument: true })),
    preferUpload: () => config.preferUploadOnDropAndPaste,
    onSettled: testing && ((outcomes) => testing.settledDropsAndPastes.push(outcomes)),
  });
  if (testing) {
    testing.dropPaste = dropPaste;
  }
  const linkHealth = new LinkHealth({ history, warningHours: () => config.expiryWarningHours });
  const warnings = new ExpiryWarnings({
    history,
    state: context.globalState,
    warningHours: () => config.expiryWarningHours,
    onWarn: testing && ((records) => testing.warnings.push(records.map((record) => record.fileName))),
  });

  context.subscriptions.push(
    channel,
    keys,
    uploads,
    status,
    historyChanged,
    recentUploads,
    warnings,
    keys.onDidChange(trackKey),
    history.onDidChange(() => historyChanged.fire()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SECTION) || event.affectsConfiguration('http')) {
        config = readConfig();
        history.setLimit(config.historyLimit);
        uploads.reset();
        warnings.check();
        linkHealth.checkAll();
      }
    }),
    history,
    // Another window may have added uploads to the shared history meanwhile.
    vscode.window.onDidChangeWindowState((state) => state.focused && history.reload()),
    registerRecentUploadsView(recentUploads),
    registerDropPaste(dropPaste),
    registerUploadTools({ uploads, history, getConfig, hasApiKey: async () => Boolean(await keys.get()) }, testing && ((tools) => (testing.agentTools = tools))),
    linkHealth,
    vscode.languages.registerCodeActionsProvider({ language: 'markdown' }, linkHealth, { providedCodeActionKinds: LinkHealth.providedCodeActionKinds }),
    registerCommands([
      new UploadFilesCommand(uploadDeps),
      new UploadFromExplorerCommand(uploadDeps),
      new UploadActiveFileCommand(uploadDeps),
      new UploadUrlCommand({ ...uploadDeps, getConfig }),
      new CancelUploadsCommand(status),
      new SetApiKeyCommand(keys),
      new ClearApiKeyCommand(keys),
      new CopyLinkCommand(history),
      new CopyDownloadLinkCommand(history),
      new CopyMarkdownLinkCommand(history),
      new InsertLinkCommand(history),
      new OpenInBrowserCommand(history),
      new DownloadToWorkspaceCommand(history, uploads, status),
      new ReuploadCommand(history, uploads, flow),
      new RemoveFromHistoryCommand(history),
      new ClearExpiredCommand(history),
      new RefreshCommand(history, recentUploads),
      new UploadLocalImagesCommand({
        ...uploadDeps,
        getConfig,
        confirm: testing && ((shown) => (testing.confirmPublish ?? showPublishConfirmation)(shown)),
      }),
      new ReuploadLinkCommand(history),
    ]),
  );
  warnings.check();
  const trackUploads = () => void setContextKey(ContextKeys.hasUploaded, history.list().length > 0);
  trackUploads();
  context.subscriptions.push(history.onDidChange(trackUploads));

  const api: KieUploadApi = {
    uploadFiles: (uris, options) => uploads.uploadFiles(uris, options),
    uploadUrl: (url, options) => uploads.uploadUrl(url, options),
    uploadData: (data, fileName, options) => uploads.uploadData(data, fileName, options),
    history: () => history.list(),
    onDidChangeHistory: historyChanged.event,
  };
  // Only the extension's own test suites (ExtensionMode.Test) see its storage, log lines and warnings.
  return testing ? Object.assign(api, { testing }) : api;
}

/** Set by activate(): writes what the history has not written yet. */
let flushHistory: (() => Promise<void>) | undefined;

export function deactivate(): Promise<void> | undefined {
  // Everything else is disposed through context.subscriptions. The history writes in the
  // background; an upload that finished just before the window closed must still be kept.
  return flushHistory?.().catch(() => undefined);
}

/** What the integration tests inspect: where the key must never be, and what was shown. */
export interface TestingHandle {
  globalState: vscode.Memento;
  workspaceState: vscode.Memento;
  logLines: string[];
  warnings: string[][];
  dropPaste?: UploadDropPasteProvider;
  /** The Language Model tools as registered, to read their confirmations without a dialog. */
  agentTools?: AgentTools;
  settledDropsAndPastes: UploadOutcome[][];
  /** The summaries naming files the sensitive-file guard held back. */
  skippedSensitive: string[];
  /** Stands in for the modal of Upload Local Images in Document when set: sees what it would show, answers. */
  confirmPublish?: (shown: PublishConfirmation) => Promise<boolean>;
  contextKeyValue: typeof contextKeyValue;
}

function createTestingHandle(context: vscode.ExtensionContext): TestingHandle {
  return { globalState: context.globalState, workspaceState: context.workspaceState, logLines: [], warnings: [], settledDropsAndPastes: [], skippedSensitive: [], contextKeyValue };
}

