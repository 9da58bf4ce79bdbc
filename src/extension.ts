import * as vscode from 'vscode';
import type { KieUploadApi } from './api';
import { ClearApiKeyCommand } from './commands/clearApiKeyCommand';
import { registerCommands } from './commands/command';
import { SetApiKeyCommand } from './commands/setApiKeyCommand';
import { SECTION, readConfig, type KieConfig } from './config';
import { UploadHistory } from './core/history';
import { KeyStore } from './keyStore';
import { RedactingLogger } from './log';
import { UploadService } from './uploadService';

const HISTORY_KEY = 'kieUpload.history';

export function activate(context: vscode.ExtensionContext): KieUploadApi {
  const channel = vscode.window.createOutputChannel('Kie File Upload', { log: true });
  const logger = new RedactingLogger(channel);
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

  context.subscriptions.push(
    channel,
    keys,
    uploads,
    historyChanged,
    keys.onDidChange(trackKey),
    history.onDidChange(() => historyChanged.fire()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SECTION)) {
        config = readConfig();
        uploads.reset();
      }
    }),
    registerCommands([new SetApiKeyCommand(keys), new ClearApiKeyCommand(keys)]),
  );

  return {
    uploadFiles: (uris, options) => uploads.uploadFiles(uris, options),
    uploadUrl: (url, options) => uploads.uploadUrl(url, options),
    uploadData: (data, fileName, options) => uploads.uploadData(data, fileName, options),
    history: () => history.list(),
    onDidChangeHistory: historyChanged.event,
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
