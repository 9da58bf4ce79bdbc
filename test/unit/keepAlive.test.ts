import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KieClient } from '../../src/core/client';
import { UploadError } from '../../src/core/errors';
import { sha256OfBytes, sha256OfFile } from '../../src/core/hash';
import { UploadHistory, type StoredHistory } from '../../src/core/history';
import {
  checkKeepAliveUntil,
  keepAliveState,
  KeepAliveScheduler,
  renewLink,
  type Clock,
  type KeepAliveEvents,
  type KeepAliveShared,
  type RenewalOps,
} from '../../src/core/keepAlive';
import { settleUpload } from '../../src/core/outcome';
import type { UploadRecord } from '../../src/core/types';
import { startEmulator, type Emulator } from '../emulator/server';

const KEY = 'keep-alive-key-123456';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2030-03-04T08:00:00Z');

/** Timers on a clock the test moves; `advance` runs them in order and waits for the work they start. */
class FakeClock implements Clock {
  t = T0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  private busy = new Set<Promise<unknown>>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Real work (HTTP, files) the timers started: `advance` waits for it before moving on. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.busy.add(promise);
    void promise.finally(() => this.busy.delete(promise)).catch(() => undefined);
    return promise;
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await this.quiesce();
      const [id, next] = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0] ?? [];
      if (id === undefined || !next || next.at > end) {
        break;
      }
      this.timers.delete(id);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
    await this.quiesce();
  }

  private async quiesce(): Promise<void> {
    // The history writes after a zero timeout, the rest in promise chains: a few turns of the event loop settle them.
    for (let round = 0; round < 2; round++) {
      while (this.busy.size > 0) {
        await Promise.allSettled([...this.busy]);
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/**
 * One value in global state as windows see it: a window sees its own write at once, and the others'
 * only after `lagMs` (the editor's main process passes writes between windows), in the order the
 * main process received them.
 */
class SharedState {
  private readonly views: Array<{ value: unknown }> = [];
  /** What the main process holds: a window opened later starts from it. */
  private stored: unknown;
  constructor(
    private readonly clock: FakeClock,
    private readonly lagMs: number,
  ) {}

  window(): { get(): unknown; set(value: unknown): Promise<void> } {
    const view: { value: unknown } = { value: this.stored };
    this.views.push(view);
    return {
      get: () => view.value,
      set: (value) => {
        const copy = JSON.parse(JSON.stringify(value ?? null)) as unknown;
        view.value = copy;
        this.clock.setTimeout(() => {
          this.stored = copy;
          for (const other of this.views) {
            if (other !== view) {
              other.value = copy;
            }
          }
        }, this.lagMs);
        return Promise.resolve();
      },
    };
  }
}

describe('keep-alive', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let clock: FakeClock;
  let dir: string;
  let client: KieClient;

  beforeEach(async () => {
    clock = new FakeClock();
    emulator = await startEmulator({ apiKey: KEY, now: () => clock.now() });
    dir = await fs.mkdtemp(join(tmpdir(), 'kie-keepalive-'));
    client = new KieClient({ baseUrl: emulator.url, uploadPath: 'tests', retentionHours: 72, retry: { maxRetries: 0 } }, { getApiKey: () => KEY, now: () => new Date(clock.now()) });
  });

  afterEach(async () => {
    await client.close();
    await emulator.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function hosted(url: string): Promise<Buffer> {
    const response = await fetch(url);
    if (response.status !== 200) {
      throw new UploadError('not-found', `HTTP ${response.status}`);
    }
    return Buffer.from(await response.arrayBuffer());
  }

  /** The renewal's operations over the core client, as the editor glue does them over UploadService. */
  function ops(): RenewalOps {
    const target = (record: UploadRecord) => ({ uploadPath: record.uploadPath, fileName: record.fileName });
    return {
      now: () => clock.now(),
      localFile: async (record) => ((await fs.stat(record.source).then((s) => s.isFile(), () => false)) ? record.source : undefined),
      hashFile: (path) => sha256OfFile(path),
      hashLink: async (url) => sha256OfBytes(await hosted(url)),
      uploadLocal: (path, record) => settleUpload(path, () => client.uploadFile(path, target(record)), { trace() {}, debug() {}, info() {}, warn() {}, error() {} }),
      uploadFromLink: (record) => settleUpload(record.url, () => client.uploadUrl(record.url, target(record)), { trace() {}, debug() {}, info() {}, warn() {}, error() {} }),
    };
  }

  async function upload(name: string, data: string, keepAliveDays = 10): Promise<{ path: string; record: UploadRecord }> {
    const path = join(dir, name);
    await fs.writeFile(path, data);
    const record = await client.uploadFile(path, { uploadPath: 'kept', fileName: name });
    return { path, record: { ...record, keepAliveUntil: new Date(clock.now() + keepAliveDays * DAY).toISOString() } };
  }

  const uploadRequests = () => emulator.requestLog.filter((entry) => entry.method === 'POST' && entry.path.startsWith('/api/file-') && entry.status === 200).map((entry) => entry.path);

  /** A window: its view of the shared history and lease, and its scheduler. */
  function window(name: string, histories: SharedState, leases: SharedState, events: KeepAliveEvents = {}, renewals?: Array<{ window: string; at: number; before: UploadRecord; after: UploadRecord }>) {
    const history = new UploadHistory(histories.window() as { get(): unknown; set(value: StoredHistory): Promise<void> }, { now: () => clock.now(), reconcileDelaysMs: [] });
    const scheduler = new KeepAliveScheduler({
      owner: name,
      store: leases.window() as { get(): unknown; set(value: KeepAliveShared): Promise<void> },
      records: () => history.list(),
      refresh: () => history.reconcile(),
      update: (record) => history.add(record),
      renew: (record) => clock.track(renewLink(record, ops())),
      renewBeforeMs: () => 12 * HOUR,
      clock,
      leaseMs: 3 * HOUR,
      settleMs: 2000,
      retryDelaysMs: [60_000, 5 * 60_000],
      events: { ...events, renewed: (before, after, via) => { renewals?.push({ window: name, at: clock.now(), before, after }); events.renewed?.(before, after, via); } },
    });
    history.onDidChange(() => void scheduler.check());
    return { history, scheduler };
  }

  it('checks keepAliveUntil: an ISO date in the future, at most 30 days ahead', () => {
    assert.equal(checkKeepAliveUntil('2030-03-11T08:00:00Z', T0), '2030-03-11T08:00:00.000Z');
    for (const bad of ['next friday', '', 42, undefined, '2030-03-04T07:00:00Z', '2030-04-04T08:00:01Z']) {
      assert.throws(() => checkKeepAliveUntil(bad, T0), (error: unknown) => error instanceof UploadError && error.code === 'invalid-input', String(bad));
    }
  });

  it('renews a link when less than the lead remains, and ends at its date', () => {
    const record = { uploadedAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + 72 * HOUR).toISOString(), keepAliveUntil: new Date(T0 + 7 * DAY).toISOString() } as UploadRecord;
    assert.equal(keepAliveState(record, T0 + 59 * HOUR, 12 * HOUR), 'wait');
    assert.equal(keepAliveState(record, T0 + 60 * HOUR, 12 * HOUR), 'renew');
    assert.equal(keepAliveState({ ...record, keepAliveUntil: new Date(T0 + 70 * HOUR).toISOString() }, T0 + 60 * HOUR, 12 * HOUR), 'covered');
    assert.equal(keepAliveState(record, T0 + 73 * HOUR, 12 * HOUR), 'dead');
    assert.equal(keepAliveState({ ...record, keepAliveUntil: new Date(T0 + 71 * HOUR).toISOString() }, T0 + 73 * HOUR, 12 * HOUR), 'ended');
    // A link living seconds is renewed at half its life, not over and over.
    const short = { uploadedAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + 10_000).toISOString(), keepAliveUntil: new Date(T0 + DAY).toISOString() } as UploadRecord;
    assert.equal(keepAliveState(short, T0 + 4000, 12 * HOUR), 'wait');
    assert.equal(keepAliveState(short, T0 + 5000, 12 * HOUR), 'renew');
  });

  it('two windows over one shared state renew each link exactly once per period, also when the owner window goes away', async () => {
    const histories = new SharedState(clock, 500);
    const leases = new SharedState(clock, 500);
    const renewals: Array<{ window: string; at: number; before: UploadRecord; after: UploadRecord }> = [];
    const ended: string[] = [];
    const a = window('A', histories, leases, { ended: (records) => ended.push(...records.map((r) => r.fileName)) }, renewals);
    const b = window('B', histories, leases, { ended: (records) => ended.push(...records.map((r) => r.fileName)) }, renewals);
    const one = await upload('one.txt', 'the first file');
    const two = await upload('two.txt', 'the second file', 8);
    await a.history.add(one.record);
    await b.history.add(two.record);
    await clock.advance(1000);
    // The history's own reconciliation (a second after a change, on real timers in the editor) merges both windows' additions.
    await Promise.all([a.history.reconcile(), b.history.reconcile()]);
    await clock.advance(1000);
    assert.deepEqual(a.history.list().map((r) => r.fileName).sort(), ['one.txt', 'two.txt']);
    assert.equal(uploadRequests().length, 2);

    // Both windows start at the same moment; each wants the lease.
    void a.scheduler.check();
    void b.scheduler.check();
    await clock.advance(100 * HOUR);
    assert.equal([a, b].filter((w) => w.scheduler.holdsLease()).length, 1, 'one window holds the lease');
    const owner = a.scheduler.holdsLease() ? a : b;
    const other = owner === a ? b : a;
    // The owner's window is gone without a word (a crash): its lease runs out and the other takes over.
    (owner.scheduler as unknown as { disposed: boolean }).disposed = true;
    await clock.advance(10 * DAY - 100 * HOUR);
    assert.ok(other.scheduler.holdsLease() || other.history.list().every((r) => !r.keepAliveUntil));

    // Periods of 72 h renewed 12 h before the end: one.txt (10 days) at 60, 120, 180 h; two.txt (8 days) at 60, 120 h.
    const byFile = (name: string) => renewals.filter((r) => r.before.fileName === name).map((r) => ({ ...r, at: T0 + Math.round((r.at - T0) / HOUR) * HOUR }));
    assert.deepEqual(byFile('one.txt').map((r) => (r.at - T0) / HOUR), [60, 120, 180]);
    assert.deepEqual(byFile('two.txt').map((r) => (r.at - T0) / HOUR), [60, 120]);
    assert.equal(uploadRequests().length, 2 + 5, 'the emulator saw each renewal once');
    for (const renewal of renewals) {
      assert.ok(renewal.at < Date.parse(renewal.before.expiresAt), 'renewed before expiry');
      assert.equal(renewal.after.url, renewal.before.url, 'the link stays');
    }
    assert.ok(renewals.some((r) => r.window === other.scheduler['deps'].owner && r.at > T0 + 100 * HOUR), 'the window that took over renewed');
    assert.deepEqual(await hosted(one.record.url).then(String), 'the first file');
    // Each keep-alive ended at its date: the marks are gone, and nothing more is sent.
    assert.deepEqual(other.history.list().filter((r) => r.keepAliveUntil), []);
    assert.deepEqual(ended.sort(), ['one.txt', 'two.txt']);
    const sent = uploadRequests().length;
    await clock.advance(5 * DAY);
    assert.equal(uploadRequests().length, sent);
    a.scheduler.dispose();
    b.scheduler.dispose();
  });

  it('renews from the local file while it matches, through the link once it changed, and checks the hosted bytes', async () => {
    const histories = new SharedState(clock, 0);
    const leases = new SharedState(clock, 0);
    const vias: string[] = [];
    const w = window('A', histories, leases, { renewed: (_before, _after, via) => vias.push(via) });
    const { path, record } = await upload('notes.txt', 'version 1');
    await w.history.add(record);
    void w.scheduler.check();
    await clock.advance(61 * HOUR);
    assert.deepEqual(vias, ['local']);
    assert.equal(uploadRequests().at(-1), '/api/file-stream-upload');
    assert.equal(w.history.list()[0].sha256, sha256OfBytes(Buffer.from('version 1')));

    await fs.writeFile(path, 'version 2, which nobody reviewed');
    await clock.advance(60 * HOUR);
    assert.deepEqual(vias, ['local', 'link']);
    assert.equal(uploadRequests().at(-1), '/api/file-url-upload');
    assert.equal(String(await hosted(record.url)), 'version 1', 'the link serves what it served before');
    assert.equal(w.history.list()[0].url, record.url);
    assert.equal(w.history.list()[0].source, path, 'the entry still names the local file');
    w.scheduler.dispose();
  });

  it('retries a failed renewal with backoff and warns before the link dies; a link that died is reported once', async () => {
    const histories = new SharedState(clock, 0);
    const leases = new SharedState(clock, 0);
    const failed: number[] = [];
    const dying: string[] = [];
    const died: string[] = [];
    const w = window('A', histories, leases, {
      failed: (_record, _error, next) => failed.push(next === undefined ? -1 : (next - T0) / 60_000),
      dying: (record) => dying.push(record.fileName),
      died: (records) => died.push(...records.map((r) => r.fileName)),
    });
    const { record } = await upload('flaky.txt', 'bytes');
    await w.history.add(record);
    emulator.faults.failNext(1000, 503);
    void w.scheduler.check();
    await clock.advance(72 * HOUR + 1000);
    // Due at 60 h (3600 min): again 1 min later, then every 5 min, until the link died at 72 h.
    assert.deepEqual(failed.slice(0, 3), [3601, 3606, 3611]);
    assert.deepEqual(dying, ['flaky.txt'], 'warned once');
    assert.deepEqual(died, ['flaky.txt']);
    assert.equal(w.history.list()[0].keepAliveUntil, undefined, 'no longer marked');
    await clock.advance(DAY);
    assert.deepEqual(died, ['flaky.txt'], 'reported once');
    w.scheduler.dispose();
  });

  it('after a pause (the editor closed), renews an overdue link at once and reports one that died', async () => {
    const histories = new SharedState(clock, 0);
    const leases = new SharedState(clock, 0);
    const first = window('before', histories, leases);
    const overdue = await upload('overdue.txt', 'still alive');
    clock.t += 30 * HOUR;
    const dead = await upload('dead.txt', 'gone meanwhile');
    clock.t -= 30 * HOUR;
    await first.history.add(overdue.record);
    await first.history.add({ ...dead.record, uploadedAt: new Date(T0 - 80 * HOUR).toISOString(), expiresAt: new Date(T0 - 8 * HOUR + 65 * HOUR).toISOString() });
    void first.scheduler.check();
    await clock.advance(1000);
    first.scheduler.dispose();
    await clock.advance(1000);

    // Closed for 65 h: overdue.txt (dies at 72 h) is past its renewal time; dead.txt died at 57 h.
    clock.t = T0 + 65 * HOUR;
    const died: string[] = [];
    const renewed: number[] = [];
    const next = window('after', histories, leases, { died: (records) => died.push(...records.map((r) => r.fileName)), renewed: () => renewed.push(clock.now()) });
    void next.scheduler.check();
    await clock.advance(5000);
    assert.deepEqual(died, ['dead.txt']);
    assert.equal(renewed.length, 1);
    assert.ok(renewed[0] - T0 - 65 * HOUR <= 5000, 'at once, not after waiting for a lease');
    next.scheduler.dispose();
  });
});
