import * as vscode from 'vscode';
import { askForApiKey } from '../platform/apiKeyPrompt';
import { apiKeyProblem, type KeyStore } from '../platform/keyStore';
import { CommandIds, type Command } from './command';

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
    return askForApiKey(this.keys);
  }
}
