import * as assert from 'node:assert/strict';
import { promises as fs, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KieClient } from '../../src/core/client';
import { UploadError } from '../../src/core/errors';
import { UploadHistory } from '../../src/core/history';
import { settleUpload } from '../../src/core/outcome';
import { mapConcurrent } from '../../src/core/pool';
import { nullLogger } from '../../src/core/types';
import { startEmulator, type Emulator } from '../emulator/server';

const KEY = 'reliability-key-1234';

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function sockets(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap' || kind === 'TCPWRAP').length;
}

describe('reliability under faults', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let dir: string;

  beforeEach(async () => {
    emulator = await startEmulator({ apiKey: KEY });
    dir = await fs.mkdtemp(join(tmpdir(), 'kie-rel-'));
  });
  afterEach(async () => {
    await emulator.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const client = (maxRetries = 0) =>
    new KieClient({ baseUrl: emulator.url, uploadPath: 'rel', retentionHours: 72, retry: { maxRetries, baseDelayMs: 1, maxDelayMs: 2 } }, { getApiKey: () => KEY });

  it('50 failed uploads leak no sockets and no file handles', async () => {
    const path = join(dir, 'payload.bin');
    await fs.writeFile(path, Buffer.alloc(256 * 1024, 7));
    const fdsBefore = openFds();
    const socketsBefore = sockets();
    const engine = client();
    emulator.faults.resetNext(25, 64 * 1024);
    emulator.faults.failNext(25, 500);
    const codes: string[] = [];
    for (let i = 0; i < 50; i++) {
      await engine.uploadFile(path).then(
        () => codes.push('ok'),
        (error: UploadError) => codes.push(error.code),
      );
    }
    await engine.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual([...new Set(codes)].sort(), ['network', 'server']);
    assert.ok(openFds() <= fdsBefore, `file descriptors: ${fdsBefore} before, ${openFds()} after`);
    assert.ok(sockets() <= socketsBefore, `sockets: ${socketsBefore} before, ${sockets()} after`);
  });

  it('never follows a redirect: the key is not carried to another host', async () => {
    const attacker = { requests: 0 };
    const evil = createServer((_request, response) => {
      attacker.requests++;
      response.end('{}');
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const redirector = createServer((_request, response) => {
      response.writeHead(307, { location: `http://127.0.0.1:${(evil.address() as AddressInfo).port}/api/file-stream-upload` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const path = join(dir, 'a.txt');
      await fs.writeFile(path, 'secret-bound');
      const engine = new KieClient({ baseUrl: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`, uploadPath: 'x', retentionHours: 72 }, { getApiKey: () => KEY });
      await assert.rejects(engine.uploadFile(path), (error: unknown) => error instanceof UploadError && error.code === 'protocol' && /redirect/.test(error.message));
      await engine.close();
      assert.equal(attacker.requests, 0);
    } finally {
      evil.close();
      redirector.close();
    }
  });

  it('cancelling a batch of 50 at random points records exactly the uploads that finished', async () => {
    emulator.faults.latencyMs = 15;
    const files = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const path = join(dir, `file-${i}.txt`);
        await fs.writeFile(path, `content of file ${i}`);
        return path;
      }),
    );
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const totals = { done: 0, cancelled: 0 };
    for (let round = 0; round < 4; round++) {
      let stored: unknown;
      const history = new UploadHistory({ get: () => stored, set: async (value) => void (stored = value) });
      const controller = new AbortController();
      const engine = client(1);
      setTimeout(() => controller.abort(), 20 + random() * 250);
      const outcomes = await mapConcurrent(files, 4, async (path) => {
        const outcome = await settleUpload(path, () => engine.uploadFile(path, { uploadPath: `round-${round}` }, { signal: controller.signal }), nullLogger);
        if (outcome.record) {
          await history.add(outcome.record);
        }
        return outcome;
      });
      await engine.close();
      const done = outcomes.filter((outcome) => outcome.record);
      const cancelled = outcomes.filter((outcome) => outcome.error);
      assert.ok(cancelled.every((outcome) => outcome.error?.code === 'cancelled'), JSON.stringify(cancelled.map((o) => o.error)));
      assert.equal(done.length + cancelled.length, 50);
      totals.done += done.length;
      totals.cancelled += cancelled.length;
      assert.deepEqual(history.list().map((record) => record.fileName).sort(), done.map((outcome) => outcome.record!.fileName).sort());
      // Every recorded upload is intact on the service.
      for (const outcome of done) {
        const index = files.indexOf(outcome.source);
        assert.equal(await (await fetch(outcome.record!.url)).text(), `content of file ${index}`);
      }
    }
    assert.ok(totals.done > 0 && totals.cancelled > 0, `the cancel points hit mid-batch: ${JSON.stringify(totals)}`);
  });

  it('a host that does not resolve fails fast with a clear network error', async () => {
    const path = join(dir, 'a.txt');
    await fs.writeFile(path, 'x');
    const engine = new KieClient({ baseUrl: 'https://kie-upload-test.invalid', uploadPath: 'x', retentionHours: 72, retry: { maxRetries: 0 }, timeouts: { connectMs: 3000 } }, { getApiKey: () => KEY });
    const started = Date.now();
    await assert.rejects(engine.uploadFile(path), (error: unknown) => error instanceof UploadError && (error.code === 'network' || error.code === 'timeout') && /kie-upload-test\.invalid/.test(error.message));
    assert.ok(Date.now() - started < 10_000);
    await engine.close();
  });
});
