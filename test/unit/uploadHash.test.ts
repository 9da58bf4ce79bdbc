import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSource, HashPace } from '../../src/core/bodies';
import { KieClient, type ClientSettings } from '../../src/core/client';
import { parseRecord } from '../../src/core/history';
import { OFF_THREAD_MIN_BYTES } from '../../src/core/streamHash';
import { startEmulator, type Emulator } from '../emulator/server';

const KEY = 'hash-key-1234567';
const MiB = 1024 * 1024;
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('SHA-256 of every upload, taken while it streams', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let dir: string;

  before(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'kie-hash-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    emulator = await startEmulator({ apiKey: KEY });
  });
  afterEach(async () => {
    await emulator.close();
  });

  function client(settings: Partial<ClientSettings> = {}): KieClient {
    return new KieClient(
      // Over loopback the upload outruns SHA-256: the tests of the hash let it wait, as a network would.
      { baseUrl: emulator.url, uploadPath: 'hash', retentionHours: 72, retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 }, hashWaitShare: Infinity, ...settings },
      { getApiKey: () => KEY, sleep: async () => undefined },
    );
  }

  async function file(name: string, data: Uint8Array): Promise<string> {
    const path = join(dir, name);
    await fs.writeFile(path, data);
    return path;
  }

  async function served(url: string): Promise<Buffer> {
    return Buffer.from(await (await fetch(url)).arrayBuffer());
  }

  it('records the hash of the bytes sent: stream, base64 file and bytes from memory', async () => {
    const data = randomBytes(300_000);
    const path = await file('small.bin', data);
    const engine = client();
    try {
      const streamed = await engine.uploadFile(path);
      const asBase64 = await engine.uploadFile(path, { method: 'base64' });
      const fromMemory = await engine.uploadData(data, 'pasted.bin');
      for (const record of [streamed, asBase64, fromMemory]) {
        assert.equal(record.sha256, sha256(data), record.method);
        assert.equal(sha256(await served(record.url)), record.sha256, 'the link serves the bytes the hash names');
      }
    } finally {
      await engine.close();
    }
  });

  it('hashes a large file off the thread, in the buffers it sends from, and gets the same hash', async () => {
    const data = randomBytes(OFF_THREAD_MIN_BYTES + 5 * 1024 * 1024 + 17);
    const path = await file('large.bin', data);
    const engine = client();
    try {
      const record = await engine.uploadFile(path);
      assert.equal(record.sha256, sha256(data));
      assert.equal(sha256(await served(record.url)), sha256(data));
    } finally {
      await engine.close();
    }
  });

  it('a retry reads and hashes afresh: the hash is of the attempt that arrived', async () => {
    const data = randomBytes(OFF_THREAD_MIN_BYTES + 3 * 1024 * 1024);
    const path = await file('retried.bin', data);
    emulator.faults.resetNext(1, 5 * 1024 * 1024);
    const engine = client();
    try {
      const record = await engine.uploadFile(path);
      assert.ok(emulator.stats.requests >= 2, 'the first attempt was reset');
      assert.equal(record.sha256, sha256(data));
    } finally {
      await engine.close();
    }
  });

  it('a read that stops early gives no hash; the next full read does', async () => {
    const data = randomBytes(OFF_THREAD_MIN_BYTES + 1024);
    const source = fileSource(await file('partial.bin', data), data.byteLength, { waitShare: Infinity });
    for await (const chunk of source.read(2 * 1024 * 1024)) {
      assert.ok(chunk.byteLength > 0);
      break;
    }
    assert.equal(source.sha256?.(), undefined);
    for await (const chunk of source.read(2 * 1024 * 1024)) {
      assert.ok(chunk.byteLength > 0);
    }
    assert.equal(source.sha256?.(), sha256(data));
  });

  it('a hash that falls behind a fast upload is given up: the upload goes on and its record has no hash', async () => {
    const data = randomBytes(96 * MiB);
    const path = await file('outrun.bin', data);
    let gaveUp = 0;
    const source = fileSource(path, data.byteLength, { waitShare: 0, gaveUp: () => gaveUp++ });
    let read = 0;
    const started = performance.now();
    for await (const chunk of source.read(2 * MiB)) {
      read += chunk.byteLength;
    }
    assert.equal(read, data.byteLength, 'every byte was read');
    assert.equal(gaveUp, 1);
    assert.equal(source.sha256?.(), undefined);
    assert.ok(performance.now() - started < 5000);
  });

  it('keeps the hash of an upload at a network\'s pace, burst at the start included (default share)', async () => {
    const data = randomBytes(96 * MiB);
    let gaveUp = 0;
    const source = fileSource(await file('paced.bin', data), data.byteLength, { gaveUp: () => gaveUp++ });
    // As a socket takes a body: its buffers swallow the first 8 MiB at once, then each 2 MiB takes
    // the link's time at 250 MB/s (a fixed pause, never a catch-up burst after the machine stalls).
    let read = 0;
    for await (const chunk of source.read(2 * MiB)) {
      read += chunk.byteLength;
      if (read > 8 * MiB) {
        await new Promise((resolve) => setTimeout(resolve, chunk.byteLength / 250_000));
      }
    }
    assert.equal(gaveUp, 0, 'the hash was kept');
    assert.equal(source.sha256?.(), sha256(data));
  });

  it('files up to 64 MiB keep their hash even when a local server outruns it', async () => {
    const data = randomBytes(48 * MiB);
    const engine = client({ hashWaitShare: undefined });
    try {
      const record = await engine.uploadFile(await file('local.bin', data));
      assert.equal(record.sha256, sha256(data));
    } finally {
      await engine.close();
    }
  });

  it('with hashing off, no hash is recorded', async () => {
    const engine = client({ hashUploads: false });
    try {
      const record = await engine.uploadFile(await file('plain.txt', Buffer.from('plain')));
      assert.equal(record.sha256, undefined);
    } finally {
      await engine.close();
    }
  });

  it('the history keeps a record\'s hash, and drops one that is not a SHA-256', () => {
    const record = {
      id: 'f1', fileName: 'a.png', fileSize: 3, mimeType: 'image/png', uploadPath: 'p', url: 'https://h/a.png', downloadUrl: 'https://h/d/a.png',
      uploadedAt: '2026-01-01T00:00:00Z', expiresAt: '2026-01-04T00:00:00Z', method: 'stream', source: 'file:///a.png', sha256: 'ab'.repeat(32),
    };
    assert.equal(parseRecord(record)?.sha256, 'ab'.repeat(32));
    assert.equal(parseRecord({ ...record, sha256: 'not a hash' })?.sha256, undefined);
    assert.ok(parseRecord({ ...record, sha256: 'not a hash' }), 'the record itself is kept');
  });
});

describe('how long an upload keeps its hash (HashPace)', () => {
  /** A read of `size` bytes in 2 MiB chunks at `bytesPerMs`, the thread running from `runningAt` bytes on. */
  function pace(size: number, bytesPerMs: number, options: { runningAt?: number; waitEach?: number; startingWait?: number; share?: number } = {}): { kept: boolean; at: number } {
    let clock = 0;
    const judge = new HashPace(size, options.share ?? 0.03, () => clock);
    for (let offset = 2 * MiB; offset < size; offset += 2 * MiB) {
      clock += (2 * MiB) / bytesPerMs;
      const starting = offset < (options.runningAt ?? 0);
      const wait = (starting ? options.startingWait : options.waitEach) ?? 0;
      if (!judge.keep(offset, starting, wait > 0)) {
        return { kept: false, at: offset };
      }
      if (wait > 0) {
        const done = judge.waiting(starting);
        clock += wait;
        done();
      }
    }
    return { kept: true, at: size };
  }

  it('keeps it at any pace a network has, and while the thread starts', () => {
    assert.deepEqual(pace(1024 * MiB, 125_000), { kept: true, at: 1024 * MiB }, '1 Gbit/s');
    assert.deepEqual(pace(1024 * MiB, 900_000, { runningAt: 16 * MiB }), { kept: true, at: 1024 * MiB }, '900 MB/s');
    // Waiting 20 ms for the thread to start (5 ms at each of the 4 buffers) is no sign of falling behind.
    assert.equal(pace(1024 * MiB, 125_000, { runningAt: 10 * MiB, startingWait: 5, waitEach: 0.1 }).kept, true);
  });

  it('gives it up, without waiting, once an upload runs faster than 1 GB/s: a server on this machine', () => {
    const fast = pace(1024 * MiB, 1_800_000, { runningAt: 8 * MiB });
    assert.equal(fast.kept, false);
    // Judged over 16 MiB after the first 16 MiB (the burst into socket buffers).
    assert.ok(fast.at <= 32 * MiB + 2 * MiB, `given up at ${fast.at / MiB} MiB`);
    assert.equal(pace(64 * MiB, 1_800_000).kept, true, 'files up to 64 MiB keep it whatever the pace');
    assert.equal(pace(1024 * MiB, 1_800_000, { share: Infinity }).kept, true, 'a share of Infinity keeps it');
  });

  it('gives it up when waiting for it would cost more than its share of the upload', () => {
    // 0.5 ms waited per 2 MiB at 125 MB/s (16.8 ms a chunk): 3% of the time, just over the share.
    const slowThread = pace(1024 * MiB, 125_000, { waitEach: 0.6 });
    assert.equal(slowThread.kept, false);
    // The share starts from what the whole upload would take at 2 GB/s (16 ms for 1 GiB), so the
    // first waits are allowed: not given up in the first 16 MiB.
    assert.ok(slowThread.at > 16 * MiB, `given up at ${slowThread.at / MiB} MiB`);
    assert.equal(pace(1024 * MiB, 125_000, { waitEach: 0.4 }).kept, true, 'waits within 3% are fine');
  });
});
