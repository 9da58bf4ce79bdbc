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
    set: async (value: readonly UploadRecord[]) => {
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
    const history = new UploadHistory(sharedStore(), 3);
    for (let i = 0; i < 5; i++) {
      await history.add(record(`f${i}.png`, i));
    }
    assert.deepEqual(history.list().map((r) => r.fileName), ['f4.png', 'f3.png', 'f2.png']);
  });

  it('skips corrupted entries instead of failing, and keeps the good ones', () => {
    const store = sharedStore([record('ok.png', 1), null, 'text', { id: 'x' }, { ...record('bad-date.png', 2), expiresAt: 'never' }, { ...record('js.png', 3), url: 'javascript:alert(1)' }]);
    const warnings: string[] = [];
    const history = new UploadHistory(store, 200, { trace() {}, debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} });
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
