import * as vscode from 'vscode';
import { apiKeyProblem, type KeyStore } from './keyStore';

export const API_KEY_PAGE = 'https://kie.ai/api-key';

/**
 * Asks for the API key in a password box and stores it; false when the user gave none. Used by
 * Set API Key and by an upload that finds no key.
 */
export async function askForApiKey(keys: KeyStore): Promise<boolean> {
  const entered = await promptForKey();
  if (entered === undefined) {
    return false;
  }
  await keys.set(entered);
  // In the status bar, not as a notification: when the key was asked for by an upload, that
  // upload's progress and result follow at once, and the workbench shows no more than three new
  // notifications within 800 ms (the rest go silently to the notification center).
  vscode.window.setStatusBarMessage(`$(check) ${vscode.l10n.t('Your Kie API key is stored in the editor\'s secret storage.')}`, 5000);
  return true;
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
