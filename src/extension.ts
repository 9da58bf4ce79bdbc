import * as vscode from 'vscode';
import type { KieUploadApi } from './api';
import { ClearApiKeyCommand } from './commands/clearApiKeyCommand';
import { registerCommands } from './commands/command';
import { SetApiKeyCommand } from './commands/setApiKeyCommand';
import { SECTION, readConfig, type KieConfig } from './config';
import { UploadHistory } from './core/history';
import { KeyStore } from './keyStore';
import { RedactingLogger } from './log';
import { UploadFlow } from './uploadFlow';
import { UploadService } from './uploadService';
import { RecentUploadsProvider, registerRecentUploadsView } from './views/recentUploadsView';
import { CancelUploadsCommand } from './commands/cancelUploadsCommand';
import { UploadActiveFileCommand } from './commands/uploadActiveFileCommand';
import { UploadFilesCommand, UploadFromExplorerCommand } from './commands/uploadFilesCommand';
import { UploadUrlCommand } from './commands/uploadUrlCommand';
import { UploadStatus } from './uploadStatus';

const HISTORY_KEY = 'kieUpload.history';

export function activate(context: vscode.ExtensionContext): KieUploadApi {
  const channel = vscode.window.createOutputChannel('Kie File Upload', { log: true });
  const testing = context.extensionMode === vscode.ExtensionMode.Test ? createTestingHandle(context) : undefined;
  const logger = new RedactingLogger(channel, testing?.logLines && ((line) => testing.logLines.push(line)));
  const keys = new KeyStore(context.secrets);
  let config: KieConfig = readConfig();

  const trackKey = () => void keys.get().then((key) => logger.setSecrets([key]));
  trackKey();

  const history = new UploadHistory(
    { get: () => context.globalState.get(HISTORY_KEY), set: (records) => context.globalState.update(HISTORY_KEY, records) },
    undefined,
    logger,
  );
  const historyChanged = new vscode.EventEmitter<void>();
  const uploads = new UploadService({ getConfig: () => config, getApiKey: () => keys.get(), history, logger });

  const status = new UploadStatus();
  const flow = new UploadFlow({ keys, getConfig: () => config, status });
  const uploadDeps = { uploads, flow };
  const recentUploads = new RecentUploadsProvider(history);

  context.subscriptions.push(
    channel,
    keys,
    uploads,
    status,
    historyChanged,
    keys.onDidChange(trackKey),
    history.onDidChange(() => historyChanged.fire()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SECTION) || event.affectsConfiguration('http')) {
        config = readConfig();
        uploads.reset();
      }
    }),
    recentUploads,
    registerRecentUploadsView(recentUploads),
    registerCommands([
      new UploadFilesCommand(uploadDeps),
      new UploadFromExplorerCommand(uploadDeps),
      new UploadActiveFileCommand(uploadDeps),
      new UploadUrlCommand({ ...uploadDeps, getConfig: () => config }),
      new CancelUploadsCommand(status),
      new SetApiKeyCommand(keys),
      new ClearApiKeyCommand(keys),
    ]),
  );

  const api: KieUploadApi = {
    uploadFiles: (uris, options) => uploads.uploadFiles(uris, options),
    uploadUrl: (url, options) => uploads.uploadUrl(url, options),
    uploadData: (data, fileName, options) => uploads.uploadData(data, fileName, options),
    history: () => history.list(),
    onDidChangeHistory: historyChanged.event,
  };
  // Only the extension's own test suites (ExtensionMode.Test) see its storage and log lines.
  return testing ? Object.assign(api, { testing }) : api;
}

/** What the integration tests inspect to prove that the key never lands outside SecretStorage. */
export interface TestingHandle {
  globalState: vscode.Memento;
  workspaceState: vscode.Memento;
  logLines: string[];
}

function createTestingHandle(context: vscode.ExtensionContext): TestingHandle {
  return { globalState: context.globalState, workspaceState: context.workspaceState, logLines: [] };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
