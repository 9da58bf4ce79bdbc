import type { UploadHistory } from '../core/history';
import type { UploadRecord } from '../core/types';

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
