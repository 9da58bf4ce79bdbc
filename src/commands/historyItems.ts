import * as vscode from 'vscode';
import type { UploadHistory } from '../core/history';
import type { UploadRecord } from '../core/types';
import type { Command } from './command';

/**
 * The uploads a tree-item command acts on. The tree passes `(clicked, selection)`; automation may
 * pass a record (or anything with its `id`), an id, or a link. Unknown items resolve to nothing.
 */
export function recordsFromArguments(history: UploadHistory, item: unknown, items: unknown): UploadRecord[] {
  const wanted = Array.isArray(items) && items.length > 0 ? items : item === undefined ? [] : [item];
  const records = history.list();
  const found = new Map<string, UploadRecord>();
  for (const entry of wanted) {
    const key = keyOf(entry);
    const record = key === undefined ? undefined : records.find((candidate) => candidate.id === key || candidate.url === key || candidate.downloadUrl === key);
    if (record) {
      found.set(record.id, record);
    }
  }
  return [...found.values()];
}

function keyOf(entry: unknown): string | undefined {
  if (typeof entry === 'string') {
    return entry;
  }
  if (entry && typeof entry === 'object') {
    const value = entry as { id?: unknown; record?: { id?: unknown } };
    const id = value.record?.id ?? value.id;
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}

/** A command on one or more items of Recent Uploads (the clicked one, or the whole selection). */
export abstract class HistoryItemCommand<R> implements Command {
  abstract readonly id: string;

  constructor(protected readonly history: UploadHistory) {}

  async execute(item?: unknown, items?: unknown): Promise<R | undefined> {
    const records = recordsFromArguments(this.history, item, items);
    if (records.length === 0) {
      void vscode.window.showWarningMessage(vscode.l10n.t('That upload is no longer in Recent Uploads.'));
      return undefined;
    }
    return this.run(records, item);
  }

  /** `clicked` is the item the command was called with: a tree node when a person used the view. */
  protected abstract run(records: UploadRecord[], clicked?: unknown): Promise<R>;
}
