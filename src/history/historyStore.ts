import * as vscode from 'vscode';
import { UploadHistory } from '../core/history';
import type { Logger } from '../core/types';

const HISTORY_KEY = 'kieUpload.history';
/** Where stored histories that could not be read are kept (the last five), rather than overwritten. */
const UNREADABLE_HISTORY_KEY = 'kieUpload.history.unreadable';

/**
 * The upload history over the extension's global state, shared by all windows. A stored value that
 * cannot be read is kept aside before the first write, and the user is told once.
 */
export function createHistory(state: vscode.Memento, limit: number, logger: Logger): UploadHistory {
  return new UploadHistory(
    {
      get: () => state.get(HISTORY_KEY),
      set: (records) => state.update(HISTORY_KEY, records),
      keepAside: (value) => keepAside(state, value),
    },
    {
      limit,
      logger,
      onUnreadable: () =>
        void vscode.window.showWarningMessage(
          vscode.l10n.t('The stored upload history could not be read. It was kept aside unchanged (in the global state under {0}) and a new history was started.', UNREADABLE_HISTORY_KEY),
        ),
    },
  );
}

function keepAside(state: vscode.Memento, value: unknown): Thenable<void> {
  const kept = state.get<unknown>(UNREADABLE_HISTORY_KEY);
  const previous = Array.isArray(kept) ? kept : [];
  if (previous.length > 0 && JSON.stringify(previous[previous.length - 1]?.value) === JSON.stringify(value)) {
    return Promise.resolve();
  }
  return state.update(UNREADABLE_HISTORY_KEY, [...previous, { keptAt: new Date().toISOString(), value }].slice(-5));
}
