import * as vscode from 'vscode';
import { ContextKeys, setContextKey } from './contextKeys';

const SECRET_KEY = 'kieUpload.apiKey';

/**
 * The API key, kept only in SecretStorage. Maintains the `kieUpload.hasApiKey` context key
 * that menus and the welcome view depend on, also when another window changes the secret.
 *
 * What this window wrote is remembered (in memory only): in the web editor a read right after a
 * store can still answer with the old value, which made an upload resumed after "Set API Key" find
 * no key. Changes made by other windows are read afresh.
 */
export class KeyStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private current?: Thenable<string | undefined>;
  /**
   * This window's writes whose change event has not come yet. A write that changes nothing may
   * never raise one, so each is forgotten after a few seconds either way.
   */
  private readonly ownWrites = new Set<NodeJS.Timeout>();

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange((event) => {
      if (event.key !== SECRET_KEY) {
        return;
      }
      const own = this.ownWrites.values().next();
      if (own.done) {
        this.current = undefined;
      } else {
        clearTimeout(own.value);
        this.ownWrites.delete(own.value);
      }
      void this.refreshContext();
      this.changed.fire();
    });
    void this.refreshContext();
  }

  get(): Thenable<string | undefined> {
    this.current ??= this.secrets.get(SECRET_KEY);
    return this.current;
  }

  set(key: string): Promise<void> {
    return this.write(key, () => this.secrets.store(SECRET_KEY, key));
  }

  delete(): Promise<void> {
    return this.write(undefined, () => this.secrets.delete(SECRET_KEY));
  }

  dispose(): void {
    this.ownWrites.forEach((timer) => clearTimeout(timer));
    this.subscription.dispose();
    this.changed.dispose();
  }

  private async write(value: string | undefined, operation: () => Thenable<void>): Promise<void> {
    const timer: NodeJS.Timeout = setTimeout(() => this.ownWrites.delete(timer), 5000);
    this.ownWrites.add(timer);
    this.current = Promise.resolve(value);
    try {
      await operation();
    } catch (error) {
      clearTimeout(timer);
      this.ownWrites.delete(timer);
      this.current = undefined;
      throw error;
    }
    await this.refreshContext();
  }

  private async refreshContext(): Promise<void> {
    await setContextKey(ContextKeys.hasApiKey, Boolean(await this.get()));
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
