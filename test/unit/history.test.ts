import * as assert from 'node:assert/strict';
import { UploadHistory, type HistoryStore } from '../../src/core/history';
import type { UploadRecord } from '../../src/core/types';

function record(name: string, minute: number, extra: Partial<UploadRecord> = {}): UploadRecord {
  const uploadedAt = new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
  return {
    id: `id-${name}-${minute}`,
    fileName: name,
    fileSize: 1,
    mimeType: 'image/png',
    uploadPath: 'p',
    url: `https://h.example/p/${name}`,
    downloadUrl: `https://h.example/d/${name}`,
    uploadedAt,
    expiresAt: new Date(Date.parse(uploadedAt) + 72 * 3_600_000).toISOString(),
    method: 'stream',
    source: `file:///w/${name}`,
    ...extra,
  };
}

/**
 * A store that behaves like a Memento: `set` changes what `get` returns at once and persists later.
 */
function sharedStore(initial: unknown = undefined): HistoryStore & { value: unknown } {
  const store = {
    value: initial,
    get: () => store.value,
    set: async (value: unknown) => {
      store.value = JSON.parse(JSON.stringify(value));
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  return store;
}

describe('UploadHistory', () => {
  it('lists newest first and replaces an entry for the same uploadPath/fileName', async () => {
    const history = new UploadHistory(sharedStore());
    await history.add(record('a.png', 1));
    await history.add(record('b.png', 2));
    await history.add(record('a.png', 3));
    assert.deepEqual(history.list().map((r) => `${r.fileName}@${r.uploadedAt.slice(14, 16)}`), ['a.png@03', 'b.png@02']);
  });

  it('keeps at most the limit, dropping the oldest', async () => {
    const history = new UploadHistory(sharedStore(), { limit: 3 });
    for (let i = 0; i < 5; i++) {
      await history.add(record(`f${i}.png`, i));
    }
    assert.deepEqual(history.list().map((r) => r.fileName), ['f4.png', 'f3.png', 'f2.png']);
  });

  it('skips corrupted entries instead of failing, and keeps the good ones', () => {
    const store = sharedStore([record('ok.png', 1), null, 'text', { id: 'x' }, { ...record('bad-date.png', 2), expiresAt: 'never' }, { ...record('js.png', 3), url: 'javascript:alert(1)' }]);
    const warnings: string[] = [];
    const history = new UploadHistory(store, { logger: { trace() {}, debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} } });
    assert.deepEqual(history.list().map((r) => r.fileName), ['ok.png']);
    assert.match(warnings.join(), /Skipped 5/);
    assert.deepEqual(new UploadHistory(sharedStore({ not: 'a list' })).list(), []);
  });

  it('removes by id and forgets expired entries', async () => {
    const history = new UploadHistory(sharedStore());
    await history.add(record('old.png', 0, { expiresAt: '2026-01-01T05:00:00.000Z' }));
    await history.add(record('new.png', 1));
    await history.add(record('gone.png', 2));
    await history.remove([history.list()[0].id]);
    assert.equal(await history.removeExpired(new Date('2026-01-01T06:00:00.000Z')), 1);
    assert.deepEqual(history.list().map((r) => r.fileName), ['new.png']);
  });

  it('does not lose entries when two writers share one store and add at the same time', async () => {
    const store = sharedStore();
    const one = new UploadHistory(store);
    const two = new UploadHistory(store);
    await Promise.all(Array.from({ length: 50 }, (_, i) => [one.add(record(`one-${i}`, i)), two.add(record(`two-${i}`, i))]).flat());
    const merged = new UploadHistory(store).list();
    assert.equal(merged.length, 100);
  });

  it('tells listeners about every change', async () => {
    const history = new UploadHistory(sharedStore());
    let changes = 0;
    const subscription = history.onDidChange(() => changes++);
    await history.add(record('a.png', 1));
    await history.remove(['nothing']);
    subscription.dispose();
    await history.add(record('b.png', 2));
    assert.equal(changes, 2);
  });
});

/**
 * Global state as two windows see it: each window reads its own copy, a write replaces the whole
 * value, and reaches the shared storage and the other window only after a delay (last write wins).
 */
function twoWindows(delay: () => number) {
  let shared: unknown;
  const windows: Array<{ local: unknown }> = [{ local: undefined }, { local: undefined }];
  const storeFor = (self: { local: unknown }): HistoryStore => ({
    get: () => self.local,
    set: async (value) => {
      const copy = JSON.parse(JSON.stringify(value));
      self.local = copy;
      setTimeout(() => {
        shared = copy;
        for (const window of windows) {
          setTimeout(() => (window.local = shared), window === self ? 0 : delay());
        }
      }, delay());
    },
  });
  return { stores: windows.map(storeFor), shared: () => shared };
}

describe('UploadHistory shared by two windows', () => {
  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const options = { reconcileDelaysMs: [60, 250, 600] };

  it('two windows adding 100 entries each at the same time end with all 200', async () => {
    let seed = 11;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const { stores, shared } = twoWindows(() => Math.floor(random() * 15));
    const [one, two] = stores.map((store) => new UploadHistory(store, options));
    await Promise.all([
      (async () => {
        for (let i = 0; i < 100; i++) {
          await one.add(record(`one-${i}`, i));
          await settle(random() * 3);
        }
      })(),
      (async () => {
        for (let i = 0; i < 100; i++) {
          await two.add(record(`two-${i}`, i));
          await settle(random() * 3);
        }
      })(),
    ]);
    await settle(1200);
    const stored = shared() as { records: UploadRecord[] };
    assert.equal(stored.records.length, 200);
    one.reload();
    two.reload();
    assert.equal(one.list().length, 200);
    assert.equal(two.list().length, 200);
    one.dispose();
    two.dispose();
  });

  it('an entry removed in one window is not brought back by the other', async () => {
    const { stores, shared } = twoWindows(() => 5);
    const [one, two] = stores.map((store) => new UploadHistory(store, options));
    await one.add(record('keep.png', 1));
    await one.add(record('drop.png', 2));
    await settle(50);
    two.reload();
    await two.remove([two.list().find((entry) => entry.fileName === 'drop.png')!.id]);
    await settle(1000);
    const names = (shared() as { records: UploadRecord[] }).records.map((entry) => entry.fileName);
    assert.deepEqual(names, ['keep.png']);
    one.dispose();
    two.dispose();
  });

  it('reads the list that earlier versions stored', () => {
    const history = new UploadHistory(sharedStore([record('old.png', 1)]));
    assert.deepEqual(history.list().map((entry) => entry.fileName), ['old.png']);
  });
});
