import type { Logger, UploadMethod, UploadRecord } from './types';
import { nullLogger } from './types';

/** Where the history lives: the extension's global state in the editor, a plain value in tests. */
export interface HistoryStore {
  get(): unknown;
  set(value: readonly UploadRecord[]): PromiseLike<void>;
}

export interface Disposable {
  dispose(): void;
}

export const DEFAULT_HISTORY_LIMIT = 200;

/**
 * The upload history, newest first. Every change re-reads the store before writing, so a write
 * applies one operation to the latest list instead of overwriting it with a stale copy.
 * Entries that do not parse (older versions, hand edits) are skipped and logged, never fatal.
 */
export class UploadHistory {
  private cache?: UploadRecord[];
  private readonly listeners = new Set<() => void>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: HistoryStore,
    private limit: number = DEFAULT_HISTORY_LIMIT,
    private readonly logger: Logger = nullLogger,
  ) {}

  /** The records, newest first. */
  list(): readonly UploadRecord[] {
    this.cache ??= this.read();
    return this.cache;
  }

  /** Adds a record; an entry for the same uploadPath/fileName is replaced (the service overwrote it). */
  add(record: UploadRecord): Promise<void> {
    return this.change((records) => [record, ...records.filter((entry) => !sameRemoteFile(entry, record))]);
  }

  remove(ids: readonly string[]): Promise<void> {
    const doomed = new Set(ids);
    return this.change((records) => records.filter((entry) => !doomed.has(entry.id)));
  }

  /** Forgets every entry whose expiry is at or before `now`; resolves with how many went. */
  async removeExpired(now: Date): Promise<number> {
    let removed = 0;
    await this.change((records) => {
      const kept = records.filter((entry) => Date.parse(entry.expiresAt) > now.getTime());
      removed = records.length - kept.length;
      return kept;
    });
    return removed;
  }

  setLimit(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /** Drops the cached list, e.g. when another window changed the store. */
  reload(): void {
    this.cache = undefined;
    this.fire();
  }

  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private change(operation: (records: UploadRecord[]) => UploadRecord[]): Promise<void> {
    // Serialised so that two quick changes in this window cannot interleave their read and write.
    const next = this.queue.then(async () => {
      const records = sortNewestFirst(operation(this.read())).slice(0, this.limit);
      this.cache = records;
      await this.store.set(records);
      this.fire();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private read(): UploadRecord[] {
    const raw = this.store.get();
    if (raw === undefined || raw === null) {
      return [];
    }
    if (!Array.isArray(raw)) {
      this.logger.warn('The stored upload history is not a list; starting an empty one.');
      return [];
    }
    const records = raw.map(parseRecord).filter((record): record is UploadRecord => record !== undefined);
    if (records.length < raw.length) {
      this.logger.warn(`Skipped ${raw.length - records.length} unreadable upload history entries.`);
    }
    return sortNewestFirst(records);
  }

  private fire(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }
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
