import * as vscode from 'vscode';
import { ContextKeys, setContextKey } from './contextKeys';

const SECRET_KEY = 'kieUpload.apiKey';

/**
 * The API key, kept only in SecretStorage. Maintains the `kieUpload.hasApiKey` context key
 * that menus and the welcome view depend on, also when another window changes the secret.
 */
export class KeyStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((event) => {
      if (event.key === SECRET_KEY) {
        void this.refreshContext();
        this.changed.fire();
      }
    });
    void this.refreshContext();
  }

  get(): Thenable<string | undefined> {
    return this.secrets.get(SECRET_KEY);
  }

  async set(key: string): Promise<void> {
    await this.secrets.store(SECRET_KEY, key);
    await this.refreshContext();
  }

  async delete(): Promise<void> {
    await this.secrets.delete(SECRET_KEY);
    await this.refreshContext();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  private async refreshContext(): Promise<void> {
    const present = Boolean(await this.secrets.get(SECRET_KEY));
    await setContextKey(ContextKeys.hasApiKey, present);
  }
}

/** Why a pasted key cannot be right, or undefined when it looks like a key. */
export function apiKeyProblem(key: string): string | undefined {
  const trimmed = key.trim();
  if (!trimmed) {
    return vscode.l10n.t('Enter the API key.');
  }
  if (/\s/.test(trimmed)) {
    return vscode.l10n.t('An API key has no spaces or line breaks.');
  }
  if (/[^\x21-\x7e]/.test(trimmed)) {
    return vscode.l10n.t('An API key contains only printable ASCII characters.');
  }
  if (trimmed.length > 512) {
    return vscode.l10n.t('That is too long to be an API key.');
  }
  return undefined;
}
