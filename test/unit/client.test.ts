import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64JsonBody, fileSource } from '../../src/core/bodies';
import { KieClient, type ClientSettings, type ClientDeps } from '../../src/core/client';
import { batchWorkers, mapConcurrent } from '../../src/core/pool';
import type { ErrorCode, UploadRecord } from '../../src/core/types';
import { startEmulator, type Emulator } from '../emulator/server';
import { expectFailure } from './assertions';

const KEY = 'test-key-123456';

describe('KieClient against the emulator', function () {
  let emulator: Emulator;
  let dir: string;
  const logs: string[] = [];
  const sleeps: number[] = [];

  function client(settings: Partial<ClientSettings> = {}, deps: Partial<ClientDeps> = {}): KieClient {
    return new KieClient(
      { baseUrl: emulator.url, uploadPath: 'tests', retentionHours: 72, retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 }, ...settings },
      {
        getApiKey: () => KEY,
        logger: { trace: (m) => logs.push(m), debug: (m) => logs.push(m), info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
        sleep: async (ms) => void sleeps.push(ms),
        ...deps,
      },
    );
  }

  async function file(name: string, data: string | Buffer): Promise<string> {
    const path = join(dir, name);
    await fs.writeFile(path, data);
    return path;
  }

  /** A large file that costs no disk writes: its bytes are a hole of zeros. */
  async function sparseFile(name: string, size: number): Promise<string> {
    const path = join(dir, name);
    const handle = await fs.open(path, 'w');
    await handle.truncate(size);
    await handle.close();
    return path;
  }

  async function download(url: string): Promise<Buffer> {
    const response = await fetch(url);
    assert.equal(response.status, 200, `GET ${url}`);
    return Buffer.from(await response.arrayBuffer());
  }


  before(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'kie-client-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    emulator = await startEmulator({ apiKey: KEY });
    logs.length = 0;
    sleeps.length = 0;
  });
  afterEach(async () => {
    await emulator.close();
  });

  describe('the three endpoints', () => {
    it('streams a file as multipart; the link serves the same bytes; progress ends at the exact total', async () => {
      const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
      const path = await file('photo.png', data);
      const progress: Array<[number, number]> = [];
      const record = await client().uploadFile(path, {}, { onProgress: (sent, total) => progress.push([sent, total]) }, 'file:///x/photo.png');
      assert.equal(record.method, 'stream');
      assert.equal(record.fileName, 'photo.png');
      assert.equal(record.uploadPath, 'tests');
      assert.equal(record.fileSize, data.byteLength);
      assert.equal(record.mimeType, 'image/png');
      assert.equal(record.source, 'file:///x/photo.png');
      assert.ok((await download(record.url)).equals(data));
      assert.ok((await download(record.downloadUrl)).equals(data));
      const [lastSent, total] = progress[progress.length - 1];
      assert.equal(lastSent, total);
      assert.ok(total > data.byteLength, 'the total counts the whole multipart body');
      assert.ok(progress.every(([sent], i) => i === 0 || sent >= progress[i - 1][0]), 'progress never goes back');
    });

    it('a large stream upload arrives byte for byte (the file is read into reused buffers)', async function () {
      this.timeout(60_000);
      // Distinct random content in every 64 KiB block: a buffer refilled before the socket sent it
      // would put one block's bytes where another belongs.
      const path = join(dir, 'blocks.bin');
      const handle = await fs.open(path, 'w');
      const sent = createHash('sha256');
      for (let block = 0; block < 48 * 16; block++) {
        const bytes = randomBytes(64 * 1024);
        sent.update(bytes);
        await handle.write(bytes);
      }
      await handle.close();
      const record = await client().uploadFile(path);
      assert.equal(record.fileSize, 48 * 1024 * 1024);
      const response = await fetch(record.url);
      assert.equal(response.status, 200);
      const stored = createHash('sha256');
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        stored.update(chunk);
      }
      assert.equal(stored.digest('hex'), sent.digest('hex'), 'the stored bytes differ from the file');
      await fs.rm(path, { force: true });
    });

    it('uploads a file as base64 when asked, with its MIME type in the data URL', async () => {
      const data = Buffer.from('{"hello":"world"}');
      const path = await file('data.json', data);
      const record = await client().uploadFile(path, { method: 'base64', fileName: 'renamed.json', uploadPath: 'a/b' });
      assert.equal(record.method, 'base64');
      assert.equal(record.fileName, 'renamed.json');
      assert.equal(record.uploadPath, 'a/b');
      assert.equal(record.mimeType, 'application/json');
      assert.ok((await download(record.url)).equals(data));
    });

    it('uploads bytes from memory through the base64 endpoint', async () => {
      const data = Buffer.from([137, 80, 78, 71, 1, 2, 3]);
      const record = await client().uploadData(data, 'paste.png');
      assert.equal(record.method, 'base64');
      assert.equal(record.source, 'data');
      assert.ok((await download(record.url)).equals(data));
    });

    it('asks the service to fetch a URL, and the link serves what it fetched', async () => {
      const origin = await serve(Buffer.from('remote bytes'));
      try {
        const record = await client().uploadUrl(`  ${origin.url}/files/report.pdf  `, { fileName: 'report.pdf' });
        assert.equal(record.method, 'url');
        assert.equal(record.source, `${origin.url}/files/report.pdf`);
        assert.equal((await download(record.url)).toString(), 'remote bytes');
      } finally {
        await origin.close();
      }
    });

    it('reads the endpoint-reference response shape: downloadUrl link, expiry from the retention', async () => {
      emulator.setResponseShape('reference');
      const path = await file('ref.txt', 'reference shape');
      const record = await client({ retentionHours: 24 }).uploadFile(path);
      assert.equal(record.url, record.downloadUrl);
      assert.equal(Date.parse(record.expiresAt) - Date.parse(record.uploadedAt), 24 * 3_600_000);
      assert.equal((await download(record.url)).toString(), 'reference shape');
    });

    it('reads the quickstart shape: fileUrl link and the service expiry', async () => {
      const path = await file('quick.txt', 'quickstart shape');
      const record = await client({ retentionHours: 1 }).uploadFile(path);
      assert.notEqual(record.url, record.downloadUrl);
      assert.equal(Date.parse(record.expiresAt) - Date.parse(record.uploadedAt), 72 * 3_600_000, 'the emulator keeps files 72 h');
    });
  });

  describe('errors the service reports', () => {
    it('a rejected key is unauthorized, not retried', async () => {
      const path = await file('a.txt', 'a');
      await expectFailure(client({}, { getApiKey: () => 'wrong-key' }).uploadFile(path), 'unauthorized', /rejected the API key \(HTTP 401\).*Set API Key/);
      assert.equal(emulator.stats.requests, 1);
    });

    it('no key fails before any request', async () => {
      const path = await file('a.txt', 'a');
      await expectFailure(client({}, { getApiKey: async () => undefined }).uploadFile(path), 'no-api-key', /Set API Key/);
      assert.equal(emulator.stats.requests, 0);
    });

    it('400 and 405 carry the service message and are not retried', async () => {
      const path = await file('a.txt', 'a');
      emulator.faults.failNext(1, 400, 'Unsupported file format');
      await expectFailure(client().uploadFile(path), 'bad-request', /Unsupported file format/);
      emulator.faults.failNext(1, 405, 'Method not allowed');
      await expectFailure(client().uploadFile(path), 'method-not-allowed', /Method not allowed/);
      assert.equal(emulator.stats.requests, 2);
    });

    it('a failure inside an HTTP 200 envelope is a failure with its msg', async () => {
      const path = await file('a.txt', 'a');
      emulator.faults.envelopeErrorNext(1, 400, 'File type not allowed');
      await expectFailure(client().uploadFile(path), 'bad-request', /File type not allowed/);
    });

    for (const [label, status, body, code, pattern] of [
      ['an HTML error page', 200, '<html><body>Bad gateway</body></html>', 'protocol', /HTML page/],
      ['an empty body', 200, '', 'protocol', /empty/],
      ['truncated JSON', 200, '{"success":true,"code":200,"data":{"fileUrl":"ht', 'protocol', /not the expected JSON/],
      ['JSON without data', 200, '{"success":true,"code":200,"msg":"ok"}', 'protocol', /no file details/],
      ['JSON without a link', 200, '{"success":true,"code":200,"data":{"fileName":"a.txt"}}', 'protocol', /no link/],
    ] as const) {
      it(`${label} is a protocol error, not a crash`, async () => {
        const path = await file('a.txt', 'a');
        emulator.faults.rawResponseNext(1, status, body, 'text/html');
        await expectFailure(client().uploadFile(path), code, pattern);
      });
    }
  });

  describe('retries', () => {
    it('500 twice then success: one record, the retries in the log', async () => {
      const path = await file('retry.txt', 'retry me');
      emulator.faults.failNext(2, 500);
      const record = await client().uploadFile(path);
      assert.equal((await download(record.url)).toString(), 'retry me');
      assert.equal(emulator.stats.requests, 3);
      assert.equal(logs.filter((line) => /retry \d of 3/.test(line)).length, 2);
    });

    it('500 every time: a server error after the configured attempts, with growing backoff', async () => {
      const path = await file('a.txt', 'a');
      emulator.faults.failNext(10, 500, 'Internal error');
      await expectFailure(
        client({ retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 10_000 } }, { random: () => 1 }).uploadFile(path),
        'server',
        /Internal error.*gave up after 4 attempts/,
      );
      assert.equal(emulator.stats.requests, 4);
      assert.deepEqual(sleeps, [100, 200, 400]);
    });

    it('429 waits for Retry-After before trying again', async () => {
      const path = await file('a.txt', 'a');
      emulator.faults.failNext(1, 429, 'Too many requests', { retryAfter: 2 });
      await client().uploadFile(path);
      assert.deepEqual(sleeps, [2000]);
    });

    it('an HTML 502 from a gateway is a retried server error', async () => {
      const path = await file('a.txt', 'a');
      emulator.faults.rawResponseNext(1, 502, '<html>Bad Gateway</html>', 'text/html');
      await client().uploadFile(path);
      assert.equal(emulator.stats.requests, 2);
    });

    it('an envelope code 500 under HTTP 200 is retried like a 500', async () => {
      const path = await file('a.txt', 'a');
      emulator.faults.envelopeErrorNext(1, 500, 'temporary');
      await client().uploadFile(path);
      assert.equal(emulator.stats.requests, 2);
    });

    it('a connection reset mid-body is a network error that is retried', async () => {
      const path = await file('big.bin', Buffer.alloc(2 * 1024 * 1024, 3));
      emulator.faults.resetNext(1, 256 * 1024);
      const record = await client().uploadFile(path);
      assert.equal((await download(record.url)).byteLength, 2 * 1024 * 1024);
      assert.equal(emulator.stats.requests, 2);
    });

    it('connection refused: a network error naming the host, after the retries', async () => {
      const path = await file('a.txt', 'a');
      const port = await closedPort();
      await expectFailure(
        new KieClient({ baseUrl: `http://127.0.0.1:${port}`, uploadPath: 'x', retentionHours: 72, retry: { maxRetries: 2 } }, { getApiKey: () => KEY, sleep: async (ms) => void sleeps.push(ms) }).uploadFile(path),
        'network',
        new RegExp(`127\\.0\\.0\\.1:${port}.*refused`),
      );
      assert.equal(sleeps.length, 2);
    });
  });

  describe('requests at once (kieUpload.maxConcurrentUploads)', () => {
    it('sends at most maxRequests at a time while a batch prepares more, and uploads them all', async () => {
      emulator.faults.latencyMs = 15;
      const paths = await Promise.all(Array.from({ length: 12 }, (_, i) => file(`batch-${i}.txt`, `file ${i}`)));
      const engine = client({ maxRequests: 3 });
      const records = await mapConcurrent(paths, batchWorkers(3), (path) => engine.uploadFile(path));
      assert.deepEqual(records.map((record) => record.fileName), paths.map((path) => path.slice(dir.length + 1)));
      assert.equal(emulator.stats.maxInFlight, 3, 'requests in flight at the emulator');
      assert.equal(emulator.listFiles().length, 12);
    });

    it('sends uploads in the order they were started at maxRequests 1, whatever each takes to prepare', async () => {
      const engine = client({ maxRequests: 1 });
      const names = Array.from({ length: 8 }, (_, i) => `ordered-${i}.txt`);
      const paths = await Promise.all(names.map((name) => file(name, name)));
      // Bytes in memory are ready at once; a file is sized on disk first.
      await Promise.all(names.map((name, i) => (i % 2 ? engine.uploadData(Buffer.from(name), name) : engine.uploadFile(paths[i]))));
      assert.deepEqual(emulator.listFiles().map((stored) => stored.fileName), names);
      assert.equal(emulator.stats.maxInFlight, 1);
    });

    it('an upload cancelled while it waits for its turn never reaches the service', async () => {
      emulator.faults.latencyMs = 200;
      const engine = client({ maxRequests: 1 });
      const first = engine.uploadFile(await file('first.txt', 'first'));
      const controller = new AbortController();
      const second = engine.uploadFile(await file('second.txt', 'second'), {}, { signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      await expectFailure(second, 'cancelled');
      await first;
      assert.deepEqual(emulator.listFiles().map((stored) => stored.fileName), ['first.txt']);
      assert.equal(emulator.stats.maxInFlight, 1);
    });
  });

  describe('timeouts and cancellation', () => {
    it('a server that never answers is a timeout after the response timeout, not retried', async () => {
      const path = await file('a.txt', 'a');
      emulator.faults.hangNext(5);
      const started = Date.now();
      await expectFailure(client({ timeouts: { headersMs: 400 } }).uploadFile(path), 'timeout', /did not answer within 0.4 s/);
      assert.ok(Date.now() - started < 5000);
      assert.equal(emulator.stats.requests, 1);
    });

    it('a response that drips slower than the idle timeout is a timeout', async () => {
      const path = await file('a.txt', 'a');
      emulator.faults.slowResponseNext(1, 5, 1000);
      await expectFailure(client({ timeouts: { idleMs: 300 } }).uploadFile(path), 'timeout');
    });

    it('cancelling mid-upload stops at once and stores nothing', async () => {
      const path = await file('cancel.bin', Buffer.alloc(64 * 1024 * 1024, 1));
      const controller = new AbortController();
      const started = Date.now();
      await expectFailure(
        client().uploadFile(path, { fileName: 'cancel.bin' }, {
          signal: controller.signal,
          onProgress: (sent) => sent > 4 * 1024 * 1024 && controller.abort(),
        }),
        'cancelled',
      );
      assert.ok(Date.now() - started < 5000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const response = await fetch(`${emulator.url}/files/tests/cancel.bin`);
      assert.equal(response.status, 404, 'the cancelled file must not exist on the service');
      assert.equal(emulator.stats.requests, 1, 'a cancelled upload is not retried');
    });

    it('an already cancelled signal sends nothing', async () => {
      const path = await file('a.txt', 'a');
      await expectFailure(client().uploadFile(path, {}, { signal: AbortSignal.abort() }), 'cancelled');
      assert.equal(emulator.stats.requests, 0);
    });
  });

  describe('bad input is refused before any request', () => {
    const cases: Array<[string, (c: KieClient) => Promise<UploadRecord>, ErrorCode, RegExp]> = [
      ['a missing file', (c) => c.uploadFile(join(dir, 'nope.png')), 'not-found', /does not exist/],
      ['a folder', (c) => c.uploadFile(dir), 'invalid-input', /folder/],
      ['/dev/zero', (c) => c.uploadFile('/dev/zero'), 'invalid-input', /not a regular file/],
      ['an empty file', async (c) => c.uploadFile(await file('empty.txt', '')), 'invalid-input', /empty/],
      ['a file over the base64 limit forced to base64', async (c) => c.uploadFile(await file('big.bin', Buffer.alloc(10 * 1024 * 1024 + 1)), { method: 'base64' }), 'too-large', /stream/],
      ['data over the base64 limit', (c) => c.uploadData(Buffer.alloc(10 * 1024 * 1024 + 1), 'x.bin'), 'too-large', /limited/],
      ['a name that is only dots', async (c) => c.uploadFile(await file('ok.txt', 'x'), { fileName: '..' }), 'invalid-input', /file name/],
      ['an upload path with ..', async (c) => c.uploadFile(await file('ok.txt', 'x'), { uploadPath: 'a/../../b' }), 'invalid-input', /\.\./],
      ['an absolute upload path', async (c) => c.uploadFile(await file('ok.txt', 'x'), { uploadPath: '/etc' }), 'invalid-input', /relative/],
      ['a javascript: URL', (c) => c.uploadUrl('javascript:alert(1)'), 'invalid-input', /javascript:/],
      ['a URL with credentials', (c) => c.uploadUrl('https://me:pw@example.com/a.png'), 'invalid-input', /password/],
    ];
    for (const [label, run, code, pattern] of cases) {
      it(label, async () => {
        await expectFailure(run(client()), code, pattern);
        assert.equal(emulator.stats.requests, 0);
      });
    }

    it('a FIFO and a symlink loop do not hang and are refused', async () => {
      const fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      await expectFailure(client().uploadFile(fifo), 'invalid-input', /not a regular file/);
      const loop = join(dir, 'loop');
      await fs.symlink(loop, loop);
      await expectFailure(client().uploadFile(loop), 'not-found', /symbolic links/);
      assert.equal(emulator.stats.requests, 0);
    });

    it('names with RTL letters and emoji arrive intact', async () => {
      const path = await file('a.txt', 'x');
      const record = await client().uploadFile(path, { fileName: 'שלום 🐱.txt' });
      assert.equal(record.fileName, 'שלום 🐱.txt');
      assert.equal((await download(record.url)).toString(), 'x');
    });
  });

  describe('memory', () => {
    it('a 512 MiB stream upload keeps the process growth far below the file size', async function () {
      this.timeout(120_000);
      const size = 512 * 1024 * 1024;
      const path = await sparseFile('huge.bin', size);
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      try {
        const record = await client().uploadFile(path);
        assert.equal(record.fileSize, size);
      } finally {
        clearInterval(sampler);
        await fs.rm(path, { force: true });
      }
      const growthMiB = (peak - before) / 1024 / 1024;
      assert.ok(growthMiB < 128, `grew by ${growthMiB.toFixed(0)} MiB while uploading 512 MiB`);
    });

    it('the base64 encoder handles any size in bounded memory (a 256 MiB file)', async function () {
      this.timeout(120_000);
      const size = 256 * 1024 * 1024;
      const path = await sparseFile('huge64.bin', size);
      const body = base64JsonBody(fileSource(path, size), 'application/octet-stream', { uploadPath: 'x', fileName: 'huge64.bin' });
      const before = process.memoryUsage().rss;
      let peak = before;
      let total = 0;
      for await (const chunk of body.chunks()) {
        total += Buffer.byteLength(chunk);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      await fs.rm(path, { force: true });
      assert.equal(total, body.contentLength);
      const growthMiB = (peak - before) / 1024 / 1024;
      assert.ok(growthMiB < 64, `grew by ${growthMiB.toFixed(0)} MiB while encoding 256 MiB`);
    });
  });
});

async function serve(body: Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/pdf', 'content-length': body.byteLength });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
