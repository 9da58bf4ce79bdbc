import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSource } from '../../src/core/bodies';
import { KieClient, type ClientSettings } from '../../src/core/client';
import { parseRecord } from '../../src/core/history';
import { OFF_THREAD_MIN_BYTES } from '../../src/core/streamHash';
import { startEmulator, type Emulator } from '../emulator/server';

const KEY = 'hash-key-1234567';
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
    const data = randomBytes(OFF_THREAD_MIN_BYTES * 2);
    const path = await file('outrun.bin', data);
    let gaveUp = 0;
    const source = fileSource(path, data.byteLength, { waitShare: 0, gaveUp: () => gaveUp++ });
    let read = 0;
    const started = performance.now();
    for await (const chunk of source.read(2 * 1024 * 1024)) {
      read += chunk.byteLength;
    }
    assert.equal(read, data.byteLength, 'every byte was read');
    assert.equal(gaveUp, 1);
    assert.equal(source.sha256?.(), undefined);
    assert.ok(performance.now() - started < 5000);
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
