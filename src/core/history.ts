import type { Logger, UploadMethod, UploadRecord } from './types';
import { nullLogger } from './types';

/** Where the history lives: the extension's global state in the editor, a plain value in tests. */
export interface HistoryStore {
  get(): unknown;
  set(value: StoredHistory): PromiseLike<void>;
  /**
   * Keeps a stored value that cannot be read somewhere else, before the first write replaces it (a
   * newer version's format, a hand edit gone wrong: the user may still want it). Without this, such
   * a value is overwritten by the next write.
   */
  keepAside?(value: unknown): PromiseLike<void>;
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
/** The least time between the starts of two writes that nobody waits for. */
const WRITE_INTERVAL_MS = 500;

type Operation = { kind: 'add'; record: UploadRecord; at: number } | { kind: 'remove'; keys: string[]; at: number };

export interface HistoryOptions {
  limit?: number;
  logger?: Logger;
  /** When to check again that this window's changes survived other windows' writes. */
  reconcileDelaysMs?: readonly number[];
  /** The least time between the starts of two writes nobody waits for (default 500 ms); `flush()` does not wait. */
  writeIntervalMs?: number;
  /** How long to wait before each new attempt after a failed write; after the last, the next change writes again. */
  retryDelaysMs?: readonly number[];
  now?: () => number;
  /** Called once, the first time the stored value as a whole cannot be read (see `HistoryStore.keepAside`). */
  onUnreadable?: () => void;
}

/**
 * The upload history, newest first, shared by every window through one stored value.
 *
 * Windows see each other's writes only after a delay, and a write replaces the whole value, so two
 * windows writing at once could drop each other's entries. Each window therefore keeps a journal
 * of its own recent changes and re-applies it over the latest stored value on every write, and
 * again a little later: an entry dropped by another window's write comes back, and an entry
 * removed anywhere stays removed (removals are kept in the stored value). Entries that do not
 * parse (older versions, hand edits) are skipped and logged, never fatal. A stored value that
 * cannot be read as a whole (not a list of uploads at all, or a newer version's) is never silently
 * replaced: it is kept aside through the store before the first write, and `onUnreadable` is called
 * once so that the user hears of it.
 *
 * A change shows in `list()` at once; the write follows in the background, because the editor
 * sends the extension's whole global state on every update (hundreds of ms for a long history).
 * Writes are serialised and coalesced: changes made while one is under way go out together in the
 * next. `flush()` waits for them. A failed write is logged and tried again later.
 */
export class UploadHistory {
  private cache?: readonly UploadRecord[];
  /** What `cache` was taken from: the stored value with the journal applied, the removals with it. */
  private view?: StoredHistory;
  /** The stored value as last parsed, with the object the store returned: the same object is not parsed again. */
  private parsed?: { raw: unknown; value: StoredHistory };
  /** What this window wrote last: the store may hand back a copy of it, which then needs no parsing. */
  private written?: StoredHistory;
  private readonly listeners = new Set<() => void>();
  private journal: Operation[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The reconcile checks waiting, by delay: whether changes came after each was set. */
  private readonly reconciling = new Map<number, { again: boolean }>();
  /** Changes that no write has picked up yet. */
  private dirty = false;
  /** Changes made so far, and how many of them the last successful write stored (see `flush`). */
  private changes = 0;
  private stored = 0;
  private writeTimer?: NodeJS.Timeout;
  /** When the last write started (see `scheduleWrite`). */
  private lastWriteAt = -Infinity;
  private writing?: Promise<void>;
  private failures = 0;
  private disposed = false;
  /** A stored value that could not be read and is not kept aside yet. */
  private unreadable?: { raw: unknown };
  private toldUnreadable = false;
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
    if (!this.cache) {
      this.view = this.wanted();
      this.cache = this.view.records;
    }
    return this.cache;
  }

  /**
   * Adds a record; an entry for the same uploadPath/fileName is replaced (the service overwrote it).
   * Resolves once `list()` shows it, before it is stored: see `flush()`.
   */
  add(record: UploadRecord): Promise<void> {
    return this.change({ kind: 'add', record, at: this.now() });
  }

  remove(ids: readonly string[]): Promise<void> {
    const doomed = new Set(ids);
    return this.change({ kind: 'remove', keys: this.list().filter((entry) => doomed.has(entry.id)).map(uploadKey), at: this.now() });
  }

  /** Forgets every entry whose expiry is at or before `now`; resolves with how many went. */
  async removeExpired(now: Date): Promise<number> {
    const expired = this.list().filter((entry) => Date.parse(entry.expiresAt) <= now.getTime());
    await this.change({ kind: 'remove', keys: expired.map(uploadKey), at: this.now() });
    return expired.length;
  }

  setLimit(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /**
   * Re-reads the store (another window may have written) and re-applies this window's recent
   * changes. Listeners hear of it only when the list changed.
   */
  reload(): void {
    void this.reconcile().catch(() => undefined);
  }

  /** Writes this window's recent changes again if another window's write dropped any of them. */
  reconcile(): Promise<void> {
    this.journal = this.journal.filter((operation) => this.now() - operation.at < JOURNAL_MS);
    const stored = this.base();
    const wanted = apply(stored, this.journal, this.limit);
    this.show(wanted);
    if (!sameContent(stored, wanted)) {
      this.dirty = true;
      this.changes++;
    }
    return this.flush();
  }

  /**
   * Writes the changes not stored yet, now; resolves once the store has them. Rejects with the
   * store's error when that write fails (it is logged, and tried again later all the same).
   * Changes made after the call are not waited for: while a folder of uploads keeps adding, a
   * flush would otherwise write again and again until the last of them.
   */
  async flush(): Promise<void> {
    const wanted = this.changes;
    for (;;) {
      if (this.writing) {
        await this.writing;
      } else if (this.dirty && this.stored < wanted) {
        await this.write();
      } else {
        return;
      }
    }
  }

  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Stops the timers; a change not written yet is written now rather than lost. */
  dispose(): void {
    this.disposed = true;
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    this.reconciling.clear();
    this.writeTimer = undefined;
    this.listeners.clear();
    if (this.dirty && !this.writing) {
      void this.write().catch(() => undefined);
    }
  }

  private change(operation: Operation): Promise<void> {
    // This one change over the list as shown (the journal as a whole is applied again over the
    // stored value by the write a moment later, which shows any difference): a batch of thousands
    // of uploads costs a pass over the list each, not a pass over the journal each.
    this.view = apply(this.view ?? this.wanted(), [operation], this.limit);
    this.journal.push(operation);
    this.cache = this.view.records;
    this.fire();
    this.dirty = true;
    this.changes++;
    this.failures = 0;
    this.scheduleWrite(0);
    for (const delay of this.options.reconcileDelaysMs ?? [1000, 5000]) {
      this.reconcileAfter(delay);
    }
    return Promise.resolve();
  }

  /**
   * A check `delay` ms from now that this window's changes survived other windows' writes. One
   * waits per delay at a time: changes made while it waits get another, `delay` after it ran, so
   * the last change of a burst is checked as late as any single one, and a burst of thousands
   * costs a few checks, not thousands.
   */
  private reconcileAfter(delay: number): void {
    const waiting = this.reconciling.get(delay);
    if (waiting) {
      waiting.again = true;
      return;
    }
    const entry = { again: false };
    this.reconciling.set(delay, entry);
    this.after(delay, () => {
      this.reconciling.delete(delay);
      if (entry.again) {
        this.reconcileAfter(delay);
      }
      void this.reconcile().catch(() => undefined);
    });
  }

  /**
   * A write after `delay` ms, unless one is already waiting or under way (that one takes the
   * changes along). Writes start at most every `writeIntervalMs`: each sends the extension's whole
   * global state to the workbench, and a folder of thousands of uploads would otherwise keep one
   * going all the time. `flush()` does not wait.
   */
  private scheduleWrite(delay: number): void {
    if (this.writeTimer || this.writing) {
      return;
    }
    if (delay === 0) {
      // Not a retry's back-off: the next write of a burst of changes.
      delay = Math.max(0, this.lastWriteAt + (this.options.writeIntervalMs ?? WRITE_INTERVAL_MS) - this.now());
    }
    if (this.disposed) {
      // No more timers; a write that follows one under way still goes out, retries do not.
      if (delay === 0) {
        void this.write().catch(() => undefined);
      }
      return;
    }
    this.writeTimer = this.after(delay, () => {
      this.writeTimer = undefined;
      if (this.dirty && !this.writing) {
        void this.write().catch(() => undefined);
      }
    });
  }

  /**
   * Applies the journal over the latest stored value and hands it to the store. Reading and
   * handing over happen in one go, so no other write of this window can come between them.
   */
  private write(): Promise<void> {
    if (this.writeTimer) {
      this.forget(this.writeTimer);
      this.writeTimer = undefined;
    }
    this.dirty = false;
    const covering = this.changes;
    this.lastWriteAt = this.now();
    const next = this.wanted();
    this.compactJournal(next);
    this.show(next);
    this.written = next;
    let stored: PromiseLike<void>;
    try {
      stored = this.unreadable && this.store.keepAside ? this.keepAsideThenSet(this.unreadable) : this.store.set(next);
    } catch (error) {
      stored = Promise.reject(error);
    }
    // A Memento hands back a copy of the value from now on: known content, nothing to parse or compare.
    const raw = this.store.get();
    if (raw !== this.parsed?.raw) {
      this.parsed = { raw, value: next };
    }
    const writing = Promise.resolve(stored).then(
      () => {
        this.writing = undefined;
        this.failures = 0;
        this.stored = Math.max(this.stored, covering);
        if (this.dirty) {
          this.scheduleWrite(0);
        }
      },
      (error: unknown) => {
        this.writing = undefined;
        this.dirty = true;
        const retryIn = (this.options.retryDelaysMs ?? [1000, 5000, 30_000])[this.failures++];
        this.logger.error(`Could not save the upload history${retryIn === undefined ? '' : `; trying again in ${retryIn} ms`}: ${describe(error)}`);
        if (retryIn !== undefined) {
          this.scheduleWrite(retryIn);
        }
        throw error;
      },
    );
    // Callers that never flush() must not see an unhandled rejection: the error is logged above.
    writing.catch(() => undefined);
    this.writing = writing;
    return writing;
  }

  /**
   * Stores the unreadable value elsewhere first; only once that worked does the write replace it
   * (with the latest stored value, which may have changed meanwhile). A failure to keep it aside
   * fails the write, which is tried again later: the value is never lost to a write.
   */
  private async keepAsideThenSet(unreadable: { raw: unknown }): Promise<void> {
    await this.store.keepAside?.(unreadable.raw);
    if (this.unreadable === unreadable) {
      this.unreadable = undefined;
    }
    const next = this.wanted();
    this.show(next);
    this.written = next;
    await this.store.set(next);
  }

  /**
   * Forgets the additions that no longer show in `value` (past the limit, replaced, removed):
   * applied again, they could only come back when newer entries go, and after a folder of
   * thousands of uploads every write would replay them all. What shows stays in the journal, so
   * another window's write cannot drop it for good.
   */
  private compactJournal(value: StoredHistory): void {
    const shown = new Set(value.records.map((record) => record.id));
    this.journal = this.journal.filter((operation) => operation.kind !== 'add' || shown.has(operation.record.id));
  }

  /** The latest stored value with this window's recent changes applied. */
  private wanted(): StoredHistory {
    return apply(this.base(), this.journal, this.limit);
  }

  /** The stored value, parsed only when the store hands back an object not seen before. */
  private base(): StoredHistory {
    const raw = this.store.get();
    if (this.parsed && this.parsed.raw === raw) {
      return this.parsed.value;
    }
    const own = this.written && (raw === this.written || copyOf(raw, this.written)) ? this.written : undefined;
    const value = own ?? this.parse(raw);
    this.parsed = { raw, value };
    return value;
  }

  private parse(raw: unknown): StoredHistory {
    this.unreadable = undefined;
    if (raw === undefined || raw === null) {
      return { v: 2, records: [], removed: [] };
    }
    // Version 1 stored the list itself.
    const value = Array.isArray(raw) ? { records: raw, removed: [] } : (raw as Partial<Record<'records' | 'removed' | 'v', unknown>>);
    const newer = typeof value === 'object' && typeof (value as { v?: unknown }).v === 'number' && ((value as { v: number }).v > 2);
    if (typeof value !== 'object' || !Array.isArray(value.records) || newer) {
      this.unreadable = { raw };
      this.logger.warn(`The stored upload history is not readable (${newer ? 'a newer version wrote it' : 'it is not a list of uploads'}); it is kept aside and a new one started.`);
      if (!this.toldUnreadable) {
        this.toldUnreadable = true;
        this.options.onUnreadable?.();
      }
      return { v: 2, records: [], removed: [] };
    }
    const records = value.records.map(parseRecord).filter((record): record is UploadRecord => record !== undefined);
    if (records.length < value.records.length) {
      this.logger.warn(`Skipped ${value.records.length - records.length} unreadable upload history entries.`);
    }
    const removed = Array.isArray(value.removed) ? value.removed.filter((key): key is string => typeof key === 'string') : [];
    return { v: 2, records: sortNewestFirst(records), removed };
  }

  private after(delay: number, callback: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      callback();
    }, delay);
    timer.unref?.();
    this.timers.add(timer);
    return timer;
  }

  private forget(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Another window's write can change what this one lists: listeners hear of it. */
  private show(value: StoredHistory): void {
    this.view = value;
    if (!sameRecords(this.cache, value.records)) {
      this.cache = value.records;
      this.fire();
    }
  }

  private fire(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }
}

/**
 * The stored value with these operations applied, in order; idempotent, so it can be re-applied.
 * Linear in the stored records, which are sorted already: one pass finds those an added record
 * replaces, and only the added records are sorted and merged in.
 */
function apply(stored: StoredHistory, operations: readonly Operation[], limit: number): StoredHistory {
  if (operations.length === 0) {
    return stored.records.length <= limit ? stored : { ...stored, records: stored.records.slice(0, limit) };
  }
  const removed = new Set(stored.removed);
  const isRemoved = (entry: UploadRecord) => removed.size > 0 && removed.has(uploadKey(entry));
  const storedIndex = touchedBy(stored.records, operations);
  const goneStored = new Set<number>();
  const added = new FileIndex();
  const goneAdded = new Set<number>();
  const addedRecords: UploadRecord[] = [];
  for (const operation of operations) {
    if (operation.kind === 'remove') {
      operation.keys.forEach((key) => removed.add(key));
      continue;
    }
    const { record } = operation;
    const live = (gone: Set<number>, records: readonly UploadRecord[]) => (i: number) => !gone.has(i) && !isRemoved(records[i]);
    const sameStored = storedIndex.sameRemoteFile(record).filter(live(goneStored, stored.records));
    const sameAdded = added.sameRemoteFile(record).filter(live(goneAdded, addedRecords));
    const newer = [...sameStored.map((i) => stored.records[i]), ...sameAdded.map((i) => addedRecords[i])].some((entry) => uploadedTime(entry) > uploadedTime(record));
    if (removed.has(uploadKey(record)) || newer) {
      continue;
    }
    sameStored.forEach((i) => goneStored.add(i));
    sameAdded.forEach((i) => goneAdded.add(i));
    added.put(record, addedRecords.push(record) - 1);
  }
  // The latest addition first among entries uploaded at the same moment, as if each were put on top.
  const fresh = sortNewestFirst(addedRecords.filter((entry, i) => !goneAdded.has(i) && !isRemoved(entry)).reverse());
  const records = mergeNewestFirst(fresh, stored.records, (entry, i) => !goneStored.has(i) && !isRemoved(entry), limit);
  return { v: 2, records, removed: [...removed].slice(-REMOVED_LIMIT) };
}

/** Positions of records by id and by uploadPath/fileName: an upload replaces the entries of the same remote file. */
class FileIndex {
  private readonly byId = new Map<string, number[]>();
  private readonly byFile = new Map<string, number[]>();

  put(record: UploadRecord, position: number): void {
    push(this.byId, record.id, position);
    push(this.byFile, fileKey(record), position);
  }

  sameRemoteFile(record: UploadRecord): number[] {
    const byId = this.byId.get(record.id) ?? [];
    const byFile = this.byFile.get(fileKey(record)) ?? [];
    return byFile.length === 0 ? byId : [...new Set([...byId, ...byFile])];
  }
}

/** The index of the stored records that share an id or a file with a record these operations add (few of thousands). */
function touchedBy(records: readonly UploadRecord[], operations: readonly Operation[]): FileIndex {
  const ids = new Set<string>();
  const files = new Map<string, Set<string>>();
  for (const operation of operations) {
    if (operation.kind === 'add') {
      ids.add(operation.record.id);
      const names = files.get(operation.record.uploadPath) ?? new Set<string>();
      files.set(operation.record.uploadPath, names.add(operation.record.fileName));
    }
  }
  const index = new FileIndex();
  records.forEach((record, i) => {
    if (ids.has(record.id) || files.get(record.uploadPath)?.has(record.fileName)) {
      index.put(record, i);
    }
  });
  return index;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) {
    list.push(value);
  } else {
    map.set(key, [value]);
  }
}

function fileKey(record: UploadRecord): string {
  return `${record.uploadPath}\u0000${record.fileName}`;
}

/**
 * Two lists sorted newest first as one, at most `limit` long: `first`'s entries ahead on a tie, and
 * of `second` only those `keep` accepts (one pass, no filtered copy of thousands of entries).
 */
function mergeNewestFirst(
  first: readonly UploadRecord[],
  second: readonly UploadRecord[],
  keep: (entry: UploadRecord, index: number) => boolean,
  limit: number,
): UploadRecord[] {
  const merged: UploadRecord[] = [];
  let i = 0;
  for (let j = 0; j < second.length && merged.length < limit; j++) {
    const entry = second[j];
    if (!keep(entry, j)) {
      continue;
    }
    while (i < first.length && merged.length < limit && !(uploadedTime(entry) > uploadedTime(first[i]))) {
      merged.push(first[i++]);
    }
    if (merged.length < limit) {
      merged.push(entry);
    }
  }
  while (i < first.length && merged.length < limit) {
    merged.push(first[i++]);
  }
  return merged;
}

function sameContent(a: StoredHistory, b: StoredHistory): boolean {
  return sameRecords(a.records, b.records) && a.removed.length === b.removed.length;
}

function sameRecords(a: readonly UploadRecord[] | undefined, b: readonly UploadRecord[]): boolean {
  return a === b || (a !== undefined && a.length === b.length && a.every((entry, i) => sameRecord(entry, b[i])));
}

/** Field by field (written out: this runs for thousands of entries whenever the stored value changes). */
function sameRecord(a: unknown, b: UploadRecord): boolean {
  if (a === b) {
    return true;
  }
  if (!a || typeof a !== 'object') {
    return false;
  }
  const r = a as Record<keyof UploadRecord, unknown>;
  return (
    r.id === b.id &&
    r.uploadedAt === b.uploadedAt &&
    r.fileName === b.fileName &&
    r.uploadPath === b.uploadPath &&
    r.url === b.url &&
    r.downloadUrl === b.downloadUrl &&
    r.expiresAt === b.expiresAt &&
    r.fileSize === b.fileSize &&
    r.mimeType === b.mimeType &&
    r.method === b.method &&
    r.source === b.source &&
    r.sha256 === b.sha256 &&
    r.sourceSha256 === b.sourceSha256 &&
    r.keepAliveUntil === b.keepAliveUntil &&
    sameNotes(r.notes, b.notes)
  );
}

function sameNotes(a: unknown, b: readonly string[] | undefined): boolean {
  if (b === undefined) {
    return a === undefined;
  }
  return Array.isArray(a) && a.length === b.length && a.every((note, i) => note === b[i]);
}

/** Whether `raw` holds exactly `value` (the store handed back a copy of what this window wrote). */
function copyOf(raw: unknown, value: StoredHistory): boolean {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return false;
  }
  const { v, records, removed } = raw as Partial<Record<keyof StoredHistory, unknown>>;
  return (
    v === value.v &&
    Array.isArray(records) &&
    records.length === value.records.length &&
    records.every((entry, i) => sameRecord(entry, value.records[i])) &&
    Array.isArray(removed) &&
    removed.length === value.removed.length &&
    removed.every((key, i) => key === value.removed[i])
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One upload of one file: a later upload of the same file is a different one. */
function uploadKey(record: UploadRecord): string {
  return sortKeys(record).key;
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
  if (typeof entry.sha256 === 'string' && /^[0-9a-f]{64}$/.test(entry.sha256)) {
    record.sha256 = entry.sha256;
  }
  if (typeof entry.sourceSha256 === 'string' && /^[0-9a-f]{64}$/.test(entry.sourceSha256)) {
    record.sourceSha256 = entry.sourceSha256;
  }
  if (typeof entry.keepAliveUntil === 'string' && !Number.isNaN(Date.parse(entry.keepAliveUntil))) {
    record.keepAliveUntil = entry.keepAliveUntil;
  }
  const notes = Array.isArray(entry.notes) ? entry.notes.filter((n): n is string => typeof n === 'string' && n !== '') : [];
  if (notes.length > 0) {
    record.notes = notes.slice(0, 8).map((n) => n.slice(0, 200));
  }
  return record;
}

function isHttpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text) && URL.canParse(text);
}

/**
 * A record's upload time (ms) and key, worked out once per record: every change sorts, merges and
 * filters thousands of entries by them.
 */
const keysOf = new WeakMap<UploadRecord, { time: number; key: string }>();

function sortKeys(record: UploadRecord): { time: number; key: string } {
  let keys = keysOf.get(record);
  if (!keys) {
    keys = { time: Date.parse(record.uploadedAt), key: `${record.id}@${record.uploadedAt}` };
    keysOf.set(record, keys);
  }
  return keys;
}

function uploadedTime(record: UploadRecord): number {
  return sortKeys(record).time;
}

function sortNewestFirst(records: UploadRecord[]): UploadRecord[] {
  return records.sort((a, b) => uploadedTime(b) - uploadedTime(a));
}
