import * as vscode from 'vscode';
import { apiKeyProblem, type KeyStore } from '../platform/keyStore';
import { CommandIds, type Command } from './command';

export const API_KEY_PAGE = 'https://kie.ai/api-key';

/**
 * `kieUpload.setApiKey(key?)`: stores the key in SecretStorage. With an argument it never prompts
 * and resolves true when stored; without one it asks in a password box.
 */
export class SetApiKeyCommand implements Command {
  readonly id = CommandIds.setApiKey;

  constructor(private readonly keys: KeyStore) {}

  async execute(key?: unknown): Promise<boolean> {
    if (key !== undefined) {
      const problem = typeof key === 'string' ? apiKeyProblem(key) : vscode.l10n.t('The API key must be text.');
      if (problem) {
        void vscode.window.showErrorMessage(vscode.l10n.t('The API key was not saved: {0}', problem));
        return false;
      }
      await this.keys.set((key as string).trim());
      return true;
    }
    const entered = await promptForKey();
    if (entered === undefined) {
      return false;
    }
    await this.keys.set(entered);
    // In the status bar, not as a notification: when the key was asked for by an upload, that
    // upload's progress and result follow at once, and the workbench shows no more than three new
    // notifications within 800 ms (the rest go silently to the notification center).
    vscode.window.setStatusBarMessage(`$(check) ${vscode.l10n.t('Your Kie API key is stored in the editor\'s secret storage.')}`, 5000);
    return true;
  }
}

function promptForKey(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const input = vscode.window.createInputBox();
    const getKey: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('link-external'), tooltip: vscode.l10n.t('Get an API key ({0})', API_KEY_PAGE) };
    input.title = vscode.l10n.t('Kie File Upload: Set API Key');
    input.prompt = vscode.l10n.t('Paste your API key from {0}. It is kept in the editor\'s secret storage, never in settings.', API_KEY_PAGE);
    input.placeholder = vscode.l10n.t('API key');
    input.password = true;
    input.ignoreFocusOut = true;
    input.buttons = [getKey];
    let accepted: string | undefined;
    input.onDidTriggerButton(() => void vscode.env.openExternal(vscode.Uri.parse(API_KEY_PAGE)));
    input.onDidChangeValue((value) => {
      input.validationMessage = value ? apiKeyProblem(value) : undefined;
    });
    input.onDidAccept(() => {
      const problem = apiKeyProblem(input.value);
      if (problem) {
        input.validationMessage = problem;
        return;
      }
      accepted = input.value.trim();
      input.hide();
    });
    input.onDidHide(() => {
      input.dispose();
      resolve(accepted);
    });
    input.show();
  });
}
