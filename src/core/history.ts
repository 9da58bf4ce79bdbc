import type { Logger, UploadMethod, UploadRecord } from './types';
import { nullLogger } from './types';

/** Where the history lives: the extension's global state in the editor, a plain value in tests. */
export interface HistoryStore {
  get(): unknown;
  set(value: StoredHistory): PromiseLike<void>;
}

/** The stored form: the records, and the uploads removed recently (so no window brings them back). */
export interface StoredHistory {
  v: 2;
  records: UploadRecord[];
  removed: string[];
}

export interface Disposable {
  dispose(): void;
}

export const DEFAULT_HISTORY_LIMIT = 200;
const REMOVED_LIMIT = 1000;
/** How long this window keeps re-applying its own changes, in case another window overwrote them. */
const JOURNAL_MS = 10 * 60_000;

type Operation = { kind: 'add'; record: UploadRecord; at: number } | { kind: 'remove'; keys: string[]; at: number };

export interface HistoryOptions {
  limit?: number;
  logger?: Logger;
  /** When to check again that this window's changes survived other windows' writes. */
  reconcileDelaysMs?: readonly number[];
  now?: () => number;
}

/**
 * The upload history, newest first, shared by every window through one stored value.
 *
 * Windows see each other's writes only after a delay, and a write replaces the whole value, so two
 * windows writing at once could drop each other's entries. Each window therefore keeps a journal
 * of its own recent changes and re-applies it over the latest stored value on every write, and
 * again a little later: an entry dropped by another window's write comes back, and an entry
 * removed anywhere stays removed (removals are kept in the stored value). Entries that do not
 * parse (older versions, hand edits) are skipped and logged, never fatal.
 */
export class UploadHistory {
  private cache?: UploadRecord[];
  private readonly listeners = new Set<() => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private journal: Operation[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private limit: number;
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(
    private readonly store: HistoryStore,
    private readonly options: HistoryOptions = {},
  ) {
    this.limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    this.logger = options.logger ?? nullLogger;
    this.now = options.now ?? Date.now;
  }

  /** The records, newest first. */
  list(): readonly UploadRecord[] {
    this.cache ??= this.read().records;
    return this.cache;
  }

  /** Adds a record; an entry for the same uploadPath/fileName is replaced (the service overwrote it). */
  add(record: UploadRecord): Promise<void> {
    return this.change({ kind: 'add', record, at: this.now() });
  }

  remove(ids: readonly string[]): Promise<void> {
    const doomed = new Set(ids);
    return this.change({ kind: 'remove', keys: this.list().filter((entry) => doomed.has(entry.id)).map(uploadKey), at: this.now() });
  }

  /** Forgets every entry whose expiry is at or before `now`; resolves with how many went. */
  async removeExpired(now: Date): Promise<number> {
    const expired = this.read().records.filter((entry) => Date.parse(entry.expiresAt) <= now.getTime());
    await this.change({ kind: 'remove', keys: expired.map(uploadKey), at: this.now() });
    return expired.length;
  }

  setLimit(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /** Re-reads the store (another window may have written) and re-applies this window's recent changes. */
  reload(): void {
    this.cache = undefined;
    this.fire();
    void this.reconcile();
  }

  /** Writes this window's recent changes again if another window's write dropped any of them. */
  reconcile(): Promise<void> {
    return this.enqueue(async () => {
      this.journal = this.journal.filter((operation) => this.now() - operation.at < JOURNAL_MS);
      const stored = this.read();
      const wanted = apply(stored, this.journal, this.limit);
      this.cache = wanted.records;
      if (!sameContent(stored, wanted)) {
        await this.store.set(wanted);
        this.fire();
      }
    });
  }

  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.timers.forEach((timer) => clearTimeout(timer));
    this.listeners.clear();
  }

  private change(operation: Operation): Promise<void> {
    this.journal.push(operation);
    const done = this.enqueue(async () => {
      const next = apply(this.read(), this.journal, this.limit);
      this.cache = next.records;
      await this.store.set(next);
      this.fire();
    });
    for (const delay of this.options.reconcileDelaysMs ?? [1000, 5000]) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.reconcile();
      }, delay);
      timer.unref?.();
      this.timers.add(timer);
    }
    return done;
  }

  /** Serialised so that two quick changes in this window cannot interleave their read and write. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private read(): StoredHistory {
    const raw = this.store.get();
    if (raw === undefined || raw === null) {
      return { v: 2, records: [], removed: [] };
    }
    // Version 1 stored the list itself.
    const value = Array.isArray(raw) ? { records: raw, removed: [] } : (raw as Partial<Record<'records' | 'removed', unknown>>);
    if (typeof value !== 'object' || !Array.isArray(value.records)) {
      this.logger.warn('The stored upload history is not readable; starting an empty one.');
      return { v: 2, records: [], removed: [] };
    }
    const records = value.records.map(parseRecord).filter((record): record is UploadRecord => record !== undefined);
    if (records.length < value.records.length) {
      this.logger.warn(`Skipped ${value.records.length - records.length} unreadable upload history entries.`);
    }
    const removed = Array.isArray(value.removed) ? value.removed.filter((key): key is string => typeof key === 'string') : [];
    return { v: 2, records: sortNewestFirst(records), removed };
  }

  private fire(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }
}

/** The stored value with these operations applied, in order; idempotent, so it can be re-applied. */
function apply(stored: StoredHistory, operations: readonly Operation[], limit: number): StoredHistory {
  let records = [...stored.records];
  const removed = new Set(stored.removed);
  for (const operation of operations) {
    if (operation.kind === 'remove') {
      operation.keys.forEach((key) => removed.add(key));
      records = records.filter((entry) => !removed.has(uploadKey(entry)));
      continue;
    }
    const { record } = operation;
    const newer = records.some((entry) => sameRemoteFile(entry, record) && Date.parse(entry.uploadedAt) > Date.parse(record.uploadedAt));
    if (removed.has(uploadKey(record)) || newer) {
      continue;
    }
    records = [record, ...records.filter((entry) => !sameRemoteFile(entry, record))];
  }
  return { v: 2, records: sortNewestFirst(records).slice(0, limit), removed: [...removed].slice(-REMOVED_LIMIT) };
}

function sameContent(a: StoredHistory, b: StoredHistory): boolean {
  return JSON.stringify(a.records) === JSON.stringify(b.records) && a.removed.length === b.removed.length;
}

/** One upload of one file: a later upload of the same file is a different one. */
function uploadKey(record: UploadRecord): string {
  return `${record.id}@${record.uploadedAt}`;
}

const METHODS: readonly UploadMethod[] = ['stream', 'base64', 'url'];

/** A stored entry as a record, or undefined when it is not one (missing fields, bad dates). */
export function parseRecord(value: unknown): UploadRecord | undefined {
  if (!value || typeof value !== 'object') {
    return undefined;
  }
  const entry = value as Record<string, unknown>;
  const strings = ['id', 'fileName', 'mimeType', 'uploadPath', 'url', 'downloadUrl', 'uploadedAt', 'expiresAt', 'source'] as const;
  if (strings.some((key) => typeof entry[key] !== 'string' || entry[key] === '')) {
    return undefined;
  }
  if (typeof entry.fileSize !== 'number' || !(entry.fileSize >= 0) || !METHODS.includes(entry.method as UploadMethod)) {
    return undefined;
  }
  if (Number.isNaN(Date.parse(entry.uploadedAt as string)) || Number.isNaN(Date.parse(entry.expiresAt as string))) {
    return undefined;
  }
  if (!isHttpUrl(entry.url as string) || !isHttpUrl(entry.downloadUrl as string)) {
    return undefined;
  }
  const record: UploadRecord = {
    id: entry.id as string,
    fileName: entry.fileName as string,
    fileSize: entry.fileSize,
    mimeType: entry.mimeType as string,
    uploadPath: entry.uploadPath as string,
    url: entry.url as string,
    downloadUrl: entry.downloadUrl as string,
    uploadedAt: entry.uploadedAt as string,
    expiresAt: entry.expiresAt as string,
    method: entry.method as UploadMethod,
    source: entry.source as string,
  };
  return record;
}

function isHttpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text) && URL.canParse(text);
}

function sameRemoteFile(a: UploadRecord, b: UploadRecord): boolean {
  return a.id === b.id || (a.uploadPath === b.uploadPath && a.fileName === b.fileName);
}

function sortNewestFirst(records: UploadRecord[]): UploadRecord[] {
  return records.sort((a, b) => Date.parse(b.uploadedAt) - Date.parse(a.uploadedAt));
}
