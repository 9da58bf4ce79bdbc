import * as assert from 'node:assert/strict';
import { UploadHistory, type HistoryStore, type StoredHistory } from '../../src/core/history';
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

  it('removing entries does not bring back those the limit dropped, however many were added', async () => {
    const store = sharedStore();
    const history = new UploadHistory(store, { limit: 3, reconcileDelaysMs: [] });
    for (let i = 0; i < 1000; i++) {
      await history.add(record(`f${i}.png`, i));
    }
    await history.flush();
    await history.remove(history.list().slice(0, 2).map((entry) => entry.id));
    await history.flush();
    assert.deepEqual(history.list().map((r) => r.fileName), ['f997.png']);
    assert.deepEqual(new UploadHistory(store).list().map((r) => r.fileName), ['f997.png'], 'as stored');
    history.dispose();
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
    // add() resolves before the write; flush() waits for it.
    await Promise.all([one.flush(), two.flush()]);
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

function recordingLogger() {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, logger: { trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } };
}

/** A store whose writes wait until the test lets them through, counting them. */
function gatedStore() {
  const gates: Array<() => void> = [];
  const store = {
    value: undefined as unknown,
    writes: 0,
    get: () => store.value,
    set: (value: unknown) => {
      store.writes++;
      store.value = JSON.parse(JSON.stringify(value));
      return new Promise<void>((resolve) => gates.push(resolve));
    },
    open: () => gates.splice(0).forEach((resolve) => resolve()),
  };
  return store;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('UploadHistory writes in the background', () => {
  it('add() resolves before the write; flush() resolves once it is stored, and a new window then sees the entry', async () => {
    const store = gatedStore();
    const history = new UploadHistory(store, { reconcileDelaysMs: [] });
    await history.add(record('a.png', 1));
    assert.deepEqual(history.list().map((entry) => entry.fileName), ['a.png']);
    assert.equal(store.writes, 0, 'nothing written while add() ran');
    let flushed = false;
    const flushing = history.flush().then(() => (flushed = true));
    await tick();
    assert.equal(store.writes, 1);
    assert.equal(flushed, false, 'flush() waits for the store');
    store.open();
    await flushing;
    assert.deepEqual(new UploadHistory(store).list().map((entry) => entry.fileName), ['a.png']);
    history.dispose();
  });

  it('changes made while a write is under way go out together in the next one', async () => {
    const store = gatedStore();
    const history = new UploadHistory(store, { reconcileDelaysMs: [], writeIntervalMs: 0 });
    await history.add(record('first.png', 0));
    await tick();
    assert.equal(store.writes, 1);
    for (let i = 1; i <= 20; i++) {
      await history.add(record(`f${i}.png`, i));
    }
    await tick();
    assert.equal(store.writes, 1, 'no second write while the first is under way');
    store.open();
    await tick();
    assert.equal(store.writes, 2);
    store.open();
    await history.flush();
    assert.equal(new UploadHistory(store).list().length, 21);
    history.dispose();
  });

  it('a burst of changes starts a write at most every writeIntervalMs, and flush() does not wait for it', async () => {
    const store = gatedStore();
    const history = new UploadHistory(store, { reconcileDelaysMs: [], writeIntervalMs: 200 });
    const started = Date.now();
    await history.add(record('first.png', 0));
    await tick();
    assert.equal(store.writes, 1, 'the first change of a quiet history is written at once');
    store.open();
    for (let i = 1; i <= 10; i++) {
      await history.add(record(`f${i}.png`, i));
      await tick();
      store.open();
    }
    assert.equal(store.writes, 1, 'the changes that followed wait for the interval');
    await new Promise((resolve) => setTimeout(resolve, 250 - (Date.now() - started)));
    assert.equal(store.writes, 2, 'and then go out together');
    store.open();
    await history.add(record('last.png', 11));
    const flushing = history.flush();
    await tick();
    assert.equal(store.writes, 3, 'flush() writes at once');
    store.open();
    await flushing;
    assert.equal(new UploadHistory(store).list().length, 12);
    history.dispose();
  });

  it('logs a failed write, rejects flush() with it, and writes again later', async () => {
    const { lines, logger } = recordingLogger();
    let stored: unknown;
    let failures = 1;
    const store: HistoryStore = {
      get: () => stored,
      set: async (value) => {
        if (failures-- > 0) {
          throw new Error('disk full');
        }
        stored = JSON.parse(JSON.stringify(value));
      },
    };
    const history = new UploadHistory(store, { logger, reconcileDelaysMs: [], retryDelaysMs: [20] });
    await history.add(record('a.png', 1));
    await assert.rejects(history.flush(), /disk full/);
    assert.ok(lines.some((line) => /^error: Could not save the upload history.*disk full/.test(line)), lines.join('\n'));
    assert.deepEqual(history.list().map((entry) => entry.fileName), ['a.png'], 'the entry stays in this window');
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.deepEqual(new UploadHistory(store).list().map((entry) => entry.fileName), ['a.png']);
    history.dispose();
  });

  it('a failed write nobody waits for is logged, not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { lines, logger } = recordingLogger();
      const history = new UploadHistory({ get: () => undefined, set: () => Promise.reject(new Error('no storage')) }, { logger, reconcileDelaysMs: [], retryDelaysMs: [] });
      await history.add(record('a.png', 1));
      await tick();
      await tick();
      assert.ok(lines.some((line) => /^error: .*no storage/.test(line)), lines.join('\n'));
      assert.deepEqual(unhandled, []);
      history.dispose();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('dispose() writes a change that was not written yet', () => {
    const store = sharedStore();
    const history = new UploadHistory(store);
    void history.add(record('last.png', 1));
    history.dispose();
    assert.deepEqual(new UploadHistory(store).list().map((entry) => entry.fileName), ['last.png']);
  });

  it('re-reads a stored value that differs from what this window wrote, checking every entry again', async () => {
    const { lines, logger } = recordingLogger();
    const store = sharedStore();
    const history = new UploadHistory(store, { logger, reconcileDelaysMs: [] });
    await history.add(record('a.png', 1));
    await history.add(record('b.png', 2));
    await history.flush();
    // Someone edits one entry of the value this window wrote; a reload must not trust it.
    const edited = JSON.parse(JSON.stringify(store.value)) as { records: UploadRecord[] };
    edited.records[0].url = 'javascript:alert(1)';
    store.value = edited;
    history.reload();
    assert.ok(lines.some((line) => /Skipped 1 unreadable/.test(line)), lines.join('\n'));
    // This window's own recent change comes back from its journal, with its real link.
    assert.deepEqual(history.list().map((entry) => entry.url), ['https://h.example/p/b.png', 'https://h.example/p/a.png']);
    history.dispose();
  });

  it('reading the same stored value again neither parses nor logs it again, and reconcile() with nothing to do writes nothing', async () => {
    const { lines, logger } = recordingLogger();
    const store = gatedStore();
    store.value = [record('ok.png', 1), { id: 'broken' }];
    const history = new UploadHistory(store, { logger, reconcileDelaysMs: [] });
    for (let i = 0; i < 3; i++) {
      history.reload();
      assert.deepEqual(history.list().map((entry) => entry.fileName), ['ok.png']);
    }
    await history.reconcile();
    assert.equal(lines.filter((line) => /Skipped 1 unreadable/.test(line)).length, 1);
    assert.equal(store.writes, 0);
    history.dispose();
  });

  it("shows another window's entries that its write finds in the store, and tells listeners", async () => {
    const store = sharedStore();
    const one = new UploadHistory(store, { reconcileDelaysMs: [] });
    const two = new UploadHistory(store, { reconcileDelaysMs: [] });
    two.list();
    await one.add(record('from-one.png', 1));
    await one.flush();
    let changes = 0;
    two.onDidChange(() => changes++);
    await two.add(record('from-two.png', 2));
    await two.flush();
    assert.deepEqual(two.list().map((entry) => entry.fileName), ['from-two.png', 'from-one.png']);
    assert.equal(changes, 2, 'once for its own entry, once for the one the write found');
    one.dispose();
    two.dispose();
  });

  it('keeps the order, the limit and the replacements when the journal is applied again over its own write', async () => {
    const store = sharedStore();
    const history = new UploadHistory(store, { limit: 4, reconcileDelaysMs: [] });
    await history.add(record('a.png', 1));
    await history.add(record('b.png', 2, { uploadPath: 'q' }));
    await history.add(record('c.png', 2));
    await history.add(record('a.png', 3));
    await history.add(record('old.png', 0));
    await history.add(record('d.png', 4));
    await history.flush();
    const expected = ['d.png@04', 'a.png@03', 'c.png@02', 'b.png@02'];
    const names = (list: readonly UploadRecord[]) => list.map((entry) => `${entry.fileName}@${entry.uploadedAt.slice(14, 16)}`);
    assert.deepEqual(names(history.list()), expected);
    await history.reconcile();
    history.reload();
    assert.deepEqual(names(history.list()), expected);
    assert.deepEqual(names(new UploadHistory(store).list()), expected);
    history.dispose();
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

  it('keeps what was done before sending (notes) across windows, and records without notes load as before', async () => {
    const store = sharedStore();
    const history = new UploadHistory(store, { reconcileDelaysMs: [] });
    await history.add(record('photo.jpg', 1, { notes: ['location removed', '1.9 MB → 310 KB, 1920 px wide, WebP'] }));
    await history.add(record('plain.txt', 2));
    await history.flush();
    const reopened = new UploadHistory(store).list();
    const photo = reopened.find((entry) => entry.fileName === 'photo.jpg');
    assert.deepEqual(photo?.notes, ['location removed', '1.9 MB → 310 KB, 1920 px wide, WebP']);
    assert.equal(reopened.find((entry) => entry.fileName === 'plain.txt')?.notes, undefined);
    const odd = new UploadHistory(sharedStore([{ ...record('odd.png', 3), notes: [42, '', 'metadata removed'] }])).list();
    assert.deepEqual(odd[0]?.notes, ['metadata removed'], 'only non-empty strings are kept');
    history.dispose();
  });
});

describe('UploadHistory never silently empties', () => {
  /** A shared store that also keeps values aside, logging the order of what it was asked to do. */
  function asideStore(initial: unknown) {
    const store = {
      ...sharedStore(initial),
      aside: [] as unknown[],
      calls: [] as string[],
      failAside: false,
      keepAside: async (value: unknown) => {
        store.calls.push('keepAside');
        await new Promise((resolve) => setImmediate(resolve));
        if (store.failAside) {
          throw new Error('disk full');
        }
        store.aside.push(JSON.parse(JSON.stringify(value)));
      },
    };
    const set = store.set;
    store.set = (value: StoredHistory) => (store.calls.push('set'), set(value));
    return store;
  }

  for (const [what, unreadable] of [
    ['a string', 'corrupted by hand'],
    ['a number', 42],
    ['an object that is not a history', { some: 'other', shape: true }],
    ['a history whose records are not a list', { v: 2, records: 'nope', removed: [] }],
    ['a newer version\'s history', { v: 3, records: [record('future.png', 1)], removed: [] }],
  ] as const) {
    it(`keeps ${what} aside before the first write replaces it, and says so once`, async () => {
      const store = asideStore(unreadable);
      let told = 0;
      const history = new UploadHistory(store, { reconcileDelaysMs: [], onUnreadable: () => told++ });
      assert.deepEqual(history.list(), []);
      history.reload();
      history.reload();
      await history.add(record('new.png', 5));
      await history.flush();
      assert.deepEqual(store.aside, [unreadable], 'the unreadable value was kept aside as it was');
      assert.deepEqual(store.calls, ['keepAside', 'set'], 'kept aside before anything was written');
      assert.deepEqual(history.list().map((entry) => entry.fileName), ['new.png']);
      assert.equal(told, 1);
      // Later writes do not keep anything aside again.
      await history.add(record('next.png', 6));
      await history.flush();
      assert.deepEqual(store.calls, ['keepAside', 'set', 'set']);
      assert.equal(told, 1);
      history.dispose();
    });
  }

  it('does not overwrite the unreadable value while keeping it aside fails', async () => {
    const store = asideStore('precious but unreadable');
    store.failAside = true;
    const history = new UploadHistory(store, { reconcileDelaysMs: [], retryDelaysMs: [] });
    await history.add(record('new.png', 5));
    await assert.rejects(history.flush(), /disk full/);
    assert.equal(store.value, 'precious but unreadable');
    assert.deepEqual(store.calls, ['keepAside']);
    store.failAside = false;
    await history.add(record('again.png', 6));
    await history.flush();
    assert.deepEqual(store.aside, ['precious but unreadable']);
    assert.deepEqual(history.list().map((entry) => entry.fileName), ['again.png', 'new.png']);
    history.dispose();
  });

  it('a value whose entries are partly unreadable is no whole-value failure: good entries kept, nothing kept aside, nobody told', async () => {
    const store = asideStore([record('ok.png', 1), { id: 'broken' }]);
    let told = 0;
    const history = new UploadHistory(store, { reconcileDelaysMs: [], onUnreadable: () => told++ });
    await history.add(record('new.png', 2));
    await history.flush();
    assert.deepEqual(history.list().map((entry) => entry.fileName), ['new.png', 'ok.png']);
    assert.deepEqual(store.aside, []);
    assert.equal(told, 0);
    history.dispose();
  });

  it('reload() tells listeners only when the list actually changed', async () => {
    const store = sharedStore({ v: 2, records: [record('a.png', 1), record('b.png', 2)], removed: [] });
    const history = new UploadHistory(store, { reconcileDelaysMs: [] });
    let changes = 0;
    history.onDidChange(() => changes++);
    assert.equal(history.list().length, 2);
    // Window focus, again and again, with nothing new: no event (the view would redraw for nothing).
    for (let i = 0; i < 3; i++) {
      history.reload();
    }
    // Another window wrote the same content again (a new object, same entries): still nothing.
    store.value = JSON.parse(JSON.stringify(store.value));
    history.reload();
    await history.flush();
    assert.equal(changes, 0);
    // Another window added an entry: one event, and the list shows it.
    store.value = { v: 2, records: [record('c.png', 3), record('a.png', 1), record('b.png', 2)], removed: [] };
    history.reload();
    history.reload();
    await history.flush();
    assert.equal(changes, 1);
    assert.deepEqual(history.list().map((entry) => entry.fileName), ['c.png', 'b.png', 'a.png']);
    // This window's own change fires once; reloading after it does not fire again.
    await history.add(record('d.png', 4));
    await history.flush();
    history.reload();
    await history.flush();
    assert.equal(changes, 2);
    history.dispose();
  });
});
