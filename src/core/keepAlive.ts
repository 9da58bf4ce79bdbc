import * as l10n from '@vscode/l10n';
import { UploadError } from './errors';
import type { ErrorCode, Logger, UploadOutcome, UploadRecord } from './types';
import { nullLogger } from './types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The furthest a keep-alive may reach. */
export const MAX_KEEP_ALIVE_DAYS = 30;
export const DEFAULT_KEEP_ALIVE_DAYS = 7;

/**
 * A `keepAliveUntil` from a person or another extension, checked: an ISO 8601 date in the future,
 * at most 30 days ahead. Returns it normalised (`toISOString`); throws `invalid-input` otherwise.
 */
export function checkKeepAliveUntil(value: unknown, now: number): string {
  const time = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new UploadError('invalid-input', l10n.t('keepAliveUntil must be an ISO 8601 date, such as 2025-01-31T17:00:00Z.'));
  }
  if (time <= now) {
    throw new UploadError('invalid-input', l10n.t('keepAliveUntil must be in the future.'));
  }
  if (time > now + MAX_KEEP_ALIVE_DAYS * DAY) {
    throw new UploadError('invalid-input', l10n.t('keepAliveUntil can be at most {0} days ahead.', MAX_KEEP_ALIVE_DAYS));
  }
  return new Date(time).toISOString();
}

/** Where a kept-alive link stands. */
export type KeepAliveState =
  /** Its renewal is due now. */
  | 'renew'
  /** Alive, renewal not due yet. */
  | 'wait'
  /** Its current expiry already reaches its end date: no more renewals. */
  | 'covered'
  /** Its end date has passed. */
  | 'ended'
  /** Its link is gone. */
  | 'dead';

/** How long before expiry a link is renewed: the setting, but never more than half its life (short test expiries would renew endlessly). */
export function renewLeadMs(record: UploadRecord, renewBeforeMs: number): number {
  const life = Date.parse(record.expiresAt) - Date.parse(record.uploadedAt);
  return life > 0 ? Math.min(renewBeforeMs, life / 2) : renewBeforeMs;
}

/** When the renewal of a record falls due (ms since the epoch). */
export function renewalDueAt(record: UploadRecord, renewBeforeMs: number): number {
  return Date.parse(record.expiresAt) - renewLeadMs(record, renewBeforeMs);
}

export function keepAliveState(record: UploadRecord, now: number, renewBeforeMs: number): KeepAliveState | undefined {
  if (!record.keepAliveUntil) {
    return undefined;
  }
  const until = Date.parse(record.keepAliveUntil);
  const expires = Date.parse(record.expiresAt);
  if (expires <= now) {
    // A link that outlived its end date simply ended; one that died before it was not renewed in time.
    return until <= expires ? 'ended' : 'dead';
  }
  if (!(until > now)) {
    return 'ended';
  }
  if (expires >= until) {
    return 'covered';
  }
  return now >= renewalDueAt(record, renewBeforeMs) ? 'renew' : 'wait';
}

/** Whether a link is kept alive past its current expiry (so it will be renewed, not lost). */
export function willBeRenewed(record: UploadRecord, now: number): boolean {
  return Boolean(record.keepAliveUntil) && Date.parse(record.keepAliveUntil as string) > Math.max(now, Date.parse(record.expiresAt));
}

/** A record with its keep-alive mark removed. */
export function withoutKeepAlive(record: UploadRecord): UploadRecord {
  const copy = { ...record };
  delete copy.keepAliveUntil;
  return copy;
}

/** What the renewal of one link needs from the editor or the test: files, hashes, the service. */
export interface RenewalOps {
  now(): number;
  /** The record's source as a path on this machine's disk, when it is a local file that exists. */
  localFile(record: UploadRecord): Promise<string | undefined>;
  hashFile(path: string): Promise<string>;
  /** The SHA-256 of what a link serves now (downloaded, not kept); rejects with an UploadError. */
  hashLink(url: string): Promise<string>;
  /** Uploads the local file to the record's folder and name. */
  uploadLocal(path: string, record: UploadRecord): Promise<UploadOutcome>;
  /** Has the service copy the link's own bytes to the record's folder and name. */
  uploadFromLink(record: UploadRecord): Promise<UploadOutcome>;
}

export type RenewalResult =
  | { record: UploadRecord; via: 'local' | 'link' }
  | { error: { code: ErrorCode; message: string }; retry: boolean };

/**
 * Renews a link with byte-identical content, to the same folder and name (so the link stays and its
 * expiry starts afresh): from the local file when its SHA-256 matches what the link serves, else
 * through the link itself while it is alive; never from a local file that changed since. Afterwards
 * the hosted file's SHA-256 is checked. The record returned keeps the original source and method,
 * and carries the hash and the keep-alive date.
 */
export async function renewLink(record: UploadRecord, ops: RenewalOps): Promise<RenewalResult> {
  try {
    const alive = Date.parse(record.expiresAt) > ops.now();
    const expected = record.sha256 ?? (alive ? await ops.hashLink(record.url) : undefined);
    if (!expected) {
      return gone(record);
    }
    const local = await ops.localFile(record);
    const localMatches = local !== undefined && (await ops.hashFile(local).catch(() => undefined)) === expected;
    let via: 'local' | 'link' = 'local';
    let outcome: UploadOutcome | undefined = localMatches ? await ops.uploadLocal(local, record) : undefined;
    // The guard may refuse a file that did not change (new globs): its bytes are public already, so the link's copy does.
    if (!outcome || (outcome.error?.code === 'sensitive' && alive)) {
      if (!alive) {
        return gone(record);
      }
      via = 'link';
      outcome = await ops.uploadFromLink(record);
    }
    if (!outcome.record) {
      const error = outcome.error ?? { code: 'protocol' as const, message: 'no record' };
      return { error, retry: error.code !== 'invalid-input' && error.code !== 'too-large' };
    }
    const hosted = await ops.hashLink(outcome.record.url);
    if (hosted !== expected) {
      return { error: { code: 'protocol', message: l10n.t('After renewing {0}, its link serves different bytes than before.', record.fileName) }, retry: true };
    }
    const renewed: UploadRecord = { ...outcome.record, source: record.source, method: record.method, sha256: expected };
    return { record: record.keepAliveUntil ? { ...renewed, keepAliveUntil: record.keepAliveUntil } : renewed, via };
  } catch (error) {
    if (error instanceof UploadError) {
      return { error: { code: error.code, message: error.message }, retry: error.code !== 'not-found' };
    }
    return { error: { code: 'protocol', message: (error as Error)?.message ?? String(error) }, retry: true };
  }
}

function gone(record: UploadRecord): RenewalResult {
  return {
    error: { code: 'not-found', message: l10n.t('The link to {0} has expired and its local file changed or is gone, so it cannot be renewed with the same bytes.', record.fileName) },
    retry: false,
  };
}

/** Timers and time, so that tests can run a keep-alive of days in milliseconds. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, Math.min(Math.max(0, ms), 2 ** 31 - 1));
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Where the windows share the lease and what they told the user (the global state in the editor). */
export interface SharedStore {
  get(): unknown;
  set(value: KeepAliveShared): PromiseLike<void>;
}

/** The lease: which window renews, and until when it counts as alive unless it extends it. */
export interface Lease {
  owner: string;
  deadline: number;
}

export interface KeepAliveShared {
  lease?: Lease;
  /** The keep-alives whose coming end the user was told of (`uploadPath/fileName@until`). */
  told?: string[];
}

export interface KeepAliveEvents {
  renewed?(before: UploadRecord, after: UploadRecord, via: 'local' | 'link'): void;
  /** A renewal failed; `nextAttemptAt` undefined: it will not be tried again. */
  failed?(record: UploadRecord, error: { code: ErrorCode; message: string }, nextAttemptAt: number | undefined): void;
  /** Renewals keep failing and the link dies soon (told once per upload). */
  dying?(record: UploadRecord, error: { code: ErrorCode; message: string }): void;
  /** Kept-alive links that died without being renewed (the editor was closed, renewals failed): told once, then unmarked. */
  died?(records: readonly UploadRecord[]): void;
  /** Keep-alives that end within the renewal lead: their links will not be renewed after that date (told once). */
  ending?(records: readonly UploadRecord[]): void;
  /** Keep-alives that reached their date and were unmarked. */
  ended?(records: readonly UploadRecord[]): void;
}

export interface KeepAliveDeps {
  /** This window's id in the lease. */
  owner: string;
  store: SharedStore;
  /** The history's records. */
  records(): readonly UploadRecord[];
  /** Re-reads the shared history (another window may have renewed meanwhile). */
  refresh?(): Promise<void>;
  /** Writes a record into the history, replacing the entry of the same upload. */
  update(record: UploadRecord): Promise<void>;
  renew(record: UploadRecord): Promise<RenewalResult>;
  renewBeforeMs(): number;
  clock?: Clock;
  /** How long a lease lasts unless its owner extends it (default 5 min; each extension writes the global state); the owner extends it every third of that. */
  leaseMs?: number;
  /** How long after writing the lease a window checks that it still holds it (other windows see writes late; default 2 s). */
  settleMs?: number;
  /** Waits between failed attempts at one renewal; the last repeats (default 1, 5, 15, 30, 60 min). */
  retryDelaysMs?: readonly number[];
  events?: KeepAliveEvents;
  logger?: Logger;
}

/**
 * Keeps marked links alive: renews each when less than the renewal lead remains, ends the mark at
 * its date, retries failures with backoff, and reports links that died unrenewed. Exactly one
 * window renews: the one holding the lease in the shared store, which it extends while it runs;
 * when its owner's window is gone, the lease runs out and another window takes it over. A single
 * timer waits for the next thing to do; with no kept-alive link there is no timer and no lease.
 */
export class KeepAliveScheduler {
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly logger: Logger;
  private timer?: unknown;
  private running?: Promise<void>;
  private again = false;
  private disposed = false;
  private readonly attempts = new Map<string, { failures: number; nextAt?: number }>();
  private readonly warnedDying = new Set<string>();

  constructor(private readonly deps: KeepAliveDeps) {
    this.clock = deps.clock ?? systemClock;
    this.leaseMs = deps.leaseMs ?? 5 * 60_000;
    this.logger = deps.logger ?? nullLogger;
  }

  /** Looks at every kept-alive link now (serialised: a call during a check runs once more after it). */
  check(): Promise<void> {
    if (this.disposed) {
      return Promise.resolve();
    }
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.checkOnce();
        } while (this.again && !this.disposed);
      } catch (error) {
        this.logger.error(`Keep-alive check failed: ${(error as Error)?.stack ?? String(error)}`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Whether this window holds the lease now. */
  holdsLease(): boolean {
    const lease = this.shared().lease;
    return lease?.owner === this.deps.owner && lease.deadline > this.clock.now();
  }

  /** Stops the timer and gives the lease up, so that another window (or the next start) takes over at once. */
  dispose(): void {
    this.disposed = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.shared().lease?.owner === this.deps.owner) {
      void Promise.resolve(this.deps.store.set({ ...this.shared(), lease: undefined })).then(undefined, () => undefined);
    }
  }

  private async checkOnce(): Promise<void> {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.deps.records().some((record) => record.keepAliveUntil)) {
      if (this.shared().lease?.owner === this.deps.owner) {
        await this.deps.store.set({ ...this.shared(), lease: undefined });
      }
      return;
    }
    if (!(await this.acquire())) {
      const lease = this.shared().lease;
      // Back when the owner's lease runs out, unless it extends it meanwhile; a little later than another waiting window, at random.
      this.schedule((lease ? lease.deadline - this.clock.now() : 0) + 500 + Math.floor(Math.random() * 1000));
      return;
    }
    await this.deps.refresh?.().catch(() => undefined);
    if (this.disposed) {
      return;
    }
    const renewBeforeMs = this.deps.renewBeforeMs();
    const ended: UploadRecord[] = [];
    const died: UploadRecord[] = [];
    for (const record of this.deps.records()) {
      const state = keepAliveState(record, this.clock.now(), renewBeforeMs);
      if (state === 'ended') {
        ended.push(record);
      } else if (state === 'dead') {
        died.push(record);
      } else if (state === 'renew' && this.mayTry(record)) {
        // Extended before each renewal: a long one must not let the lease run out under it.
        if (!(await this.acquire()) || this.disposed) {
          return this.schedule(this.leaseMs);
        }
        await this.renewOne(record);
      }
    }
    for (const record of [...ended, ...died]) {
      await this.deps.update(withoutKeepAlive(record));
    }
    if (ended.length > 0) {
      this.deps.events?.ended?.(ended);
    }
    if (died.length > 0) {
      this.deps.events?.died?.(died);
    }
    await this.tellEnding(renewBeforeMs);
    this.scheduleNext(renewBeforeMs);
  }

  /** Takes or extends the lease; false while another window's lease is alive. */
  private async acquire(): Promise<boolean> {
    const now = this.clock.now();
    const lease = this.shared().lease;
    if (lease && lease.owner !== this.deps.owner && lease.deadline > now) {
      return false;
    }
    const mine = lease?.owner === this.deps.owner && lease.deadline > now;
    if (mine && lease.deadline - now > (this.leaseMs * 2) / 3) {
      return true;
    }
    await this.deps.store.set({ ...this.shared(), lease: { owner: this.deps.owner, deadline: now + this.leaseMs } });
    if (mine) {
      return true;
    }
    // Another window may have written its own lease at the same moment: whoever's write the store kept, owns it.
    await this.sleep(this.deps.settleMs ?? 2000);
    return !this.disposed && this.holdsLease();
  }

  private async renewOne(record: UploadRecord): Promise<void> {
    const key = fileKey(record);
    const result = await this.deps.renew(record);
    if ('record' in result) {
      this.attempts.delete(key);
      this.warnedDying.delete(key);
      await this.deps.update(result.record);
      this.logger.info(`Kept alive: ${record.fileName} renewed (${result.via === 'local' ? 'from the local file' : 'through its link'}), now expires ${result.record.expiresAt}`);
      this.deps.events?.renewed?.(record, result.record, result.via);
      return;
    }
    const now = this.clock.now();
    const expires = Date.parse(record.expiresAt);
    const failures = (this.attempts.get(key)?.failures ?? 0) + 1;
    const delays = this.deps.retryDelaysMs ?? [60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, HOUR];
    const delay = delays[Math.min(failures, delays.length) - 1];
    // Never wait past the link's death: at the latest, half the time it has left.
    const nextAt = result.retry ? Math.min(now + delay, now + Math.max(1000, (expires - now) / 2)) : undefined;
    this.attempts.set(key, { failures, nextAt });
    this.logger.warn(`Keep-alive: renewing ${record.fileName} failed (${result.error.code}): ${result.error.message}${nextAt ? `; trying again in ${Math.round((nextAt - now) / 1000)} s` : ''}`);
    this.deps.events?.failed?.(record, result.error, nextAt);
    const lead = renewLeadMs(record, this.deps.renewBeforeMs());
    const soon = expires - now <= lead / 2 || failures >= 3 || nextAt === undefined;
    if (soon && !this.warnedDying.has(key)) {
      this.warnedDying.add(key);
      this.deps.events?.dying?.(record, result.error);
    }
  }

  private mayTry(record: UploadRecord): boolean {
    const attempt = this.attempts.get(fileKey(record));
    return !attempt || (attempt.nextAt !== undefined && attempt.nextAt <= this.clock.now());
  }

  /** Tells once which keep-alives end within the renewal lead (their links stop being renewed then). */
  private async tellEnding(renewBeforeMs: number): Promise<void> {
    const now = this.clock.now();
    const told = new Set(this.shared().told ?? []);
    const ending = this.deps.records().filter((record) => {
      const state = keepAliveState(record, now, renewBeforeMs);
      return (state === 'wait' || state === 'renew' || state === 'covered') && Date.parse(record.keepAliveUntil as string) - now <= renewLeadMs(record, renewBeforeMs) && !told.has(endingKey(record));
    });
    if (ending.length === 0) {
      return;
    }
    const live = new Set(this.deps.records().filter((record) => record.keepAliveUntil).map(endingKey));
    await this.deps.store.set({ ...this.shared(), told: [...[...told].filter((key) => live.has(key)), ...ending.map(endingKey)] });
    this.deps.events?.ending?.(ending);
  }

  private scheduleNext(renewBeforeMs: number): void {
    const now = this.clock.now();
    const told = new Set(this.shared().told ?? []);
    // The owner comes back at least every third of the lease, to extend it.
    const times: number[] = [now + this.leaseMs / 3];
    for (const record of this.deps.records()) {
      if (!record.keepAliveUntil) {
        continue;
      }
      const until = Date.parse(record.keepAliveUntil);
      const attempt = this.attempts.get(fileKey(record));
      times.push(until, Date.parse(record.expiresAt), renewalDueAt(record, renewBeforeMs));
      if (attempt?.nextAt !== undefined) {
        times.push(attempt.nextAt);
      }
      if (!told.has(endingKey(record))) {
        times.push(until - renewLeadMs(record, renewBeforeMs));
      }
    }
    const next = Math.min(...times.filter((time) => time > now));
    this.schedule(next - now);
  }

  private schedule(ms: number): void {
    if (this.disposed) {
      return;
    }
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.check();
    }, Math.max(0, ms));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }

  private shared(): KeepAliveShared {
    const value = this.deps.store.get();
    return value && typeof value === 'object' ? (value as KeepAliveShared) : {};
  }
}

function fileKey(record: UploadRecord): string {
  return `${record.uploadPath}/${record.fileName}`;
}

function endingKey(record: UploadRecord): string {
  return `${fileKey(record)}@${record.keepAliveUntil}`;
}
