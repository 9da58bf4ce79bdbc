import * as vscode from 'vscode';
import type { KeyStore } from '../platform/keyStore';
import { CommandIds, type Command } from './command';

/** `kieUpload.clearApiKey`: deletes the stored key. */
export class ClearApiKeyCommand implements Command {
  readonly id = CommandIds.clearApiKey;

  constructor(private readonly keys: KeyStore) {}

  async execute(): Promise<void> {
    await this.keys.delete();
    void vscode.window.showInformationMessage(vscode.l10n.t('The Kie API key was removed from this editor.'));
  }
}
