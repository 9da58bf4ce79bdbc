import * as vscode from 'vscode';
import { registerUploadTools } from './agent/tools';
import type { KieUploadApi } from './api';
import { registerCommands } from './commands';
import { downloadRecords } from './history/download';
import { ExpiryWarnings } from './history/expiryWarnings';
import { createHistory } from './history/historyStore';
import { KeepAliveService } from './history/keepAlive';
import { registerDropPaste, UploadDropPasteProvider } from './markdown/dropPaste';
import { reportLinkTemplateProblems } from './markdown/editorLinks';
import { registerLinkHealth } from './markdown/linkHealth';
import { PendingLinks } from './markdown/pendingLinks';
import { DocumentPublisher, showPublishConfirmation } from './markdown/publishDocument';
import { readConfig, SECTION, type KieConfig } from './platform/config';
import { ContextKeys, contextKeyValue, setContextKey } from './platform/contextKeys';
import { KeyStore } from './platform/keyStore';
import { RedactingLogger } from './platform/log';
import { createTestingHandle } from './platform/testing';
import { configureMessages } from './upload/engineLoader';
import { reuploadRecords } from './upload/reupload';
import { showReuseQuestion } from './upload/reuseLinks';
import { UploadFlow } from './upload/uploadFlow';
import { reportNamingTemplateProblems, UploadService } from './upload/uploadService';
import { UploadStatus } from './upload/uploadStatus';
import { RecentUploadsProvider, registerRecentUploadsView } from './views/recentUploadsView';
import { willOptimise } from './core/images/optimize/settings';

/** Builds the services, registers every feature, and returns the API for other extensions. */
export function activate(context: vscode.ExtensionContext): KieUploadApi {
  configureMessages();
  const testing = createTestingHandle(context);
  const channel = vscode.window.createOutputChannel('Kie File Upload', { log: true });
  const logger = new RedactingLogger(channel, testing && ((line) => testing.logLines.push(line)));
  const keys = new KeyStore(context.secrets);
  let config: KieConfig = readConfig();
  const getConfig = () => config;
  const trackKey = () => void keys.get().then((key) => logger.setSecrets([key]));
  trackKey();

  const history = createHistory(context.globalState, config.historyLimit, logger);
  flushHistory = () => history.flush();
  const historyChanged = new vscode.EventEmitter<void>();
  const uploads = new UploadService({ getConfig, getApiKey: () => keys.get(), history, logger, redact: (text) => logger.redact(text) });
  const status = new UploadStatus();
  const flow = new UploadFlow({ keys, getConfig, status, onSkippedSensitive: testing && ((message) => testing.skippedSensitive.push(message)) });
  const recentUploads = new RecentUploadsProvider(history);
  const publisher = new DocumentPublisher({
    uploads,
    flow,
    getConfig,
    confirm: testing && ((shown) => (testing.confirmPublish ?? showPublishConfirmation)(shown)),
  });
  const dropPaste = new UploadDropPasteProvider({
    uploads,
    pending: new PendingLinks((jobs) => flow.run(jobs, { interactive: true, intoDocument: true })),
    preferUpload: () => config.preferUploadOnDropAndPaste,
    optimising: (fileName) => willOptimise(config.imageOptimize, fileName),
    onSettled: testing && ((outcomes) => testing.settledDropsAndPastes.push(outcomes)),
  });
  const linkHealth = registerLinkHealth({ history, warningHours: () => config.expiryWarningHours });
  const warnings = new ExpiryWarnings({
    history,
    state: context.globalState,
    warningHours: () => config.expiryWarningHours,
    reupload: (records) => reuploadRecords({ uploads, flow }, records),
    download: (records) => downloadRecords({ uploads, status }, records),
    onWarn: testing && ((records) => testing.warnings.push(records.map((record) => record.fileName))),
  });
  const keepAlive = new KeepAliveService({
    history,
    uploads,
    state: context.globalState,
    renewHoursBefore: () => config.keepAliveRenewHoursBefore,
    logger,
    reupload: (records) => reuploadRecords({ uploads, flow }, records),
    onEvent: testing && ((event) => testing.keepAliveEvents.push(event)),
  });
  if (testing) {
    testing.dropPaste = dropPaste;
    testing.keepAlive = keepAlive;
  }

  context.subscriptions.push(
    channel,
    keys,
    uploads,
    status,
    historyChanged,
    recentUploads,
    warnings,
    keepAlive,
    history,
    keys.onDidChange(trackKey),
    history.onDidChange(() => historyChanged.fire()),
    history.onDidChange(() => {
      // Once per change of the value, not per upload: setting a context key is a round trip to the workbench.
      const hasUploaded = history.list().length > 0;
      if (contextKeyValue(ContextKeys.hasUploaded) !== hasUploaded) {
        void setContextKey(ContextKeys.hasUploaded, hasUploaded);
      }
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SECTION) || event.affectsConfiguration('http')) {
        config = readConfig();
        history.setLimit(config.historyLimit);
        uploads.reset();
        warnings.check();
        linkHealth.checkAll();
        keepAlive.start();
      }
      if (event.affectsConfiguration('kieUpload.linkTemplate')) {
        void reportLinkTemplateProblems();
      }
      if (event.affectsConfiguration('kieUpload.fileNameTemplate') || event.affectsConfiguration('kieUpload.uploadPathTemplate')) {
        reportNamingTemplateProblems(config);
      }
    }),
    // Another window may have added uploads to the shared history meanwhile.
    vscode.window.onDidChangeWindowState((state) => state.focused && history.reload()),
    registerRecentUploadsView(recentUploads),
    registerDropPaste(dropPaste, () => readConfig().dropAndPasteLanguages, testing && ((languages) => (testing.dropPasteLanguages = languages))),
    linkHealth,
    registerUploadTools({ uploads, history, getConfig, hasApiKey: async () => Boolean(await keys.get()) }, testing && ((tools) => (testing.agentTools = tools))),
    registerCommands({
      keys,
      getConfig,
      history,
      uploads,
      flow,
      status,
      recentUploads,
      publisher,
      keepAlive,
      askReuse: testing && ((question) => (testing.answerReuse ?? showReuseQuestion)(question)),
      onVerifyReport: testing && ((report) => testing.verifyReports.push(report)),
    }),
  );
  warnings.check();
  // Overdue links are renewed and dead ones reported in the background: activation does not wait.
  keepAlive.start();
  void setContextKey(ContextKeys.hasUploaded, history.list().length > 0);

  const api: KieUploadApi = {
    uploadFiles: (uris, options) => uploads.uploadFiles(uris, options),
    uploadUrl: (url, options) => uploads.uploadUrl(url, options),
    uploadUrls: (urls, options) => uploads.uploadUrls(urls, options),
    uploadData: (data, fileName, options) => uploads.uploadData(data, fileName, options),
    verify: (id) => uploads.verify(id),
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
