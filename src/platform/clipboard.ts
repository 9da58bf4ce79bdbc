import * as vscode from 'vscode';

/** How long a clipboard write may take before it counts as failed. */
const CLIPBOARD_TIMEOUT_MS = 1500;

/**
 * Writes text to the clipboard and resolves whether that worked, never rejecting and never
 * waiting for long: in the web editor the browser refuses a write, or leaves it unanswered, while
 * the page does not have focus, and the notification that follows must not wait for it.
 */
export async function copyToClipboard(text: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CLIPBOARD_TIMEOUT_MS);
  });
  try {
    const write = Promise.resolve(vscode.env.clipboard.writeText(text)).then(
      () => true,
      () => false,
    );
    return await Promise.race([write, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Says that the clipboard did not take the text, and shows the text so that nothing is lost. */
export function reportClipboardFailure(text: string): void {
  void vscode.window.showWarningMessage(vscode.l10n.t('The clipboard did not take the link (the editor window may not have focus): {0}', text));
}
