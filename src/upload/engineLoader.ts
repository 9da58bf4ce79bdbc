import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';

type Engine = typeof import('../core/engine');

let loading: Promise<Engine> | undefined;

/**
 * Loads the upload engine (dist/engine.js, see esbuild.js) on first use, with the editor's
 * translations for its messages.
 */
export function loadEngine(): Promise<Engine> {
  loading ??= import('../core/engine').then((engine) => {
    const bundle = vscode.l10n.bundle;
    if (bundle) {
      engine.useTranslations(bundle);
    }
    return engine;
  });
  return loading;
}

/**
 * The editor's translations for the engine's messages that the extension's own bundle carries too
 * (the checks of the Upload from URL input, say). Called on activation.
 */
export function configureMessages(): void {
  const bundle = vscode.l10n.bundle;
  if (bundle) {
    l10n.config({ contents: bundle });
  }
}
