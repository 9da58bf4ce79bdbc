import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KieClient } from '../../src/core/client';
import { settleUpload } from '../../src/core/outcome';
import { nullLogger, type UploadOutcome } from '../../src/core/types';
import { clashingNames, describeProblems, entriesInList, planUrls, uploadUrlList, urlsInText } from '../../src/core/urlList';
import { startEmulator, type Emulator } from '../emulator/server';

const KEY = 'url-batch-key-123';

/** A public origin for the service to fetch from: `/files/<name>` answers the name's bytes, `/gone/…` 404. */
async function origin(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((request, response) => {
    hits++;
    if (request.url?.startsWith('/gone/')) {
      response.writeHead(404).end('not here');
      return;
    }
    response.writeHead(200, { 'content-type': 'image/png' }).end(`bytes of ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hits: () => hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('URL lists', () => {
  it('finds every http(s) URL in text, without the punctuation and brackets around it', () => {
    const text = [
      'See https://example.com/a.png, and (https://example.com/b.pdf).',
      '![x](https://example.com/c.png) <https://example.com/d.png> "https://example.com/e.png"',
      'https://en.wikipedia.org/wiki/Foo_(bar) ftp://example.com/f.png mailto:me@example.com',
    ].join('\n');
    assert.deepEqual(urlsInText(text), [
      'https://example.com/a.png',
      'https://example.com/b.pdf',
      'https://example.com/c.png',
      'https://example.com/d.png',
      'https://example.com/e.png',
      'https://en.wikipedia.org/wiki/Foo_(bar)',
    ]);
  });

  it('splits a typed list on lines, spaces and commas, and URLs whose line break a one-line box swallowed', () => {
    assert.deepEqual(entriesInList('https://a.example/x.png\nhttps://b.example/y.png, nonsense  https://c.example/z.pnghttps://d.example/w.png'), [
      'https://a.example/x.png',
      'https://b.example/y.png',
      'nonsense',
      'https://c.example/z.png',
      'https://d.example/w.png',
    ]);
  });

  it('keeps a URL whole when it holds commas or another URL, and still splits a list at them', () => {
    const cdn = 'https://res.cloudinary.example/demo/image/upload/w_400,h_300,c_fill/sample.jpg';
    const archived = 'https://web.archive.example/web/2024/https://example.com/a.png';
    const proxied = 'https://images.example/?url=https://example.com/b.png&w=300';
    assert.deepEqual(entriesInList(`${cdn}\n${archived}\n${proxied}`), [cdn, archived, proxied]);
    assert.deepEqual(entriesInList(`${cdn},${archived}, ${proxied},`), [cdn, archived, proxied]);
    assert.deepEqual(urlsInText(`See ${cdn}, the archived ${archived} and [this](${proxied}).`), [cdn, archived, proxied]);
  });

  it('plans a list with invalid and repeated entries: each invalid one named, each repeat sent once', () => {
    const plan = planUrls(['https://a.example/x.png', 'not a url', 'HTTPS://A.example/x.png', 'ftp://b.example/y', 'https://c.example/z.png', 42]);
    assert.deepEqual(plan.unique, ['https://a.example/x.png', 'https://c.example/z.png']);
    assert.equal(plan.entries[2].duplicateOf, 0);
    assert.match(plan.entries[1].problem?.message ?? '', /not an absolute URL/);
    assert.match(plan.entries[3].problem?.message ?? '', /Only http:\/\/ and https:\/\//);
    assert.equal(plan.entries[5].problem?.code, 'invalid-input');
    const said = describeProblems(plan) ?? '';
    assert.match(said, /"not a url" is not an absolute URL/);
    assert.match(said, /1 listed more than once \(sent once\): https:\/\/a\.example\/x\.png/);
  });

  it('catches two URLs that would be saved under one name in one folder', () => {
    const nameOf = (url: string) => new URL(url).pathname.split('/').pop() || undefined;
    assert.match(clashingNames(['https://a.example/1/logo.png', 'https://b.example/logo.png'], nameOf) ?? '', /would both be saved as logo\.png/);
    assert.equal(clashingNames(['https://a.example/logo.png', 'https://a.example/icon.png', 'https://a.example/'], nameOf), undefined);
  });
});

describe('URL batches against the emulator', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let source: Awaited<ReturnType<typeof origin>>;

  beforeEach(async () => {
    emulator = await startEmulator({ apiKey: KEY });
    source = await origin();
  });
  afterEach(async () => {
    await Promise.all([emulator.close(), source.close()]);
  });

  function client(maxRequests: number): KieClient {
    return new KieClient({ baseUrl: emulator.url, uploadPath: 'urls', retentionHours: 72, maxRequests, retry: { maxRetries: 0 } }, { getApiKey: () => KEY });
  }

  const failed = (entry: { input: string; problem?: Error }): UploadOutcome => ({ source: entry.input, error: { code: 'invalid-input', message: entry.problem?.message ?? '' } });

  it('200 URLs keep at most maxConcurrentUploads requests in flight, and every one arrives', async () => {
    emulator.faults.latencyMs = 20;
    emulator.stats.resetMax();
    const limit = 4;
    const engine = client(limit);
    const urls = Array.from({ length: 200 }, (_, i) => `${source.url}/files/f${i}.png`);
    try {
      const outcomes = await uploadUrlList(planUrls(urls), limit, (url) => settleUpload(url, () => engine.uploadUrl(url), nullLogger), failed);
      assert.equal(outcomes.filter((outcome) => outcome.record).length, 200, JSON.stringify(outcomes.find((outcome) => outcome.error)));
      assert.equal(source.hits(), 200);
      assert.ok(emulator.stats.maxInFlight <= limit, `${emulator.stats.maxInFlight} requests were in flight at once`);
      assert.ok(emulator.stats.maxInFlight >= 2, `the batch ran one at a time (${emulator.stats.maxInFlight})`);
    } finally {
      await engine.close();
    }
  });

  it('a list with invalid and repeated URLs sends each valid URL once and nothing else', async () => {
    const engine = client(4);
    const good = `${source.url}/files/one.png`;
    try {
      const outcomes = await uploadUrlList(planUrls([good, 'javascript:alert(1)', good, 'https://user:pw@example.com/x.png']), 4, (url) => settleUpload(url, () => engine.uploadUrl(url), nullLogger), failed);
      assert.equal(outcomes.length, 4);
      assert.ok(outcomes[0].record);
      assert.equal(outcomes[2], outcomes[0], 'the repeat shares the one upload');
      assert.match(outcomes[1].error?.message ?? '', /javascript:/);
      assert.match(outcomes[3].error?.message ?? '', /password/);
      assert.equal(source.hits(), 1, 'the service fetched one URL');
      assert.equal(emulator.stats.requests, 1, 'one request reached the service');
    } finally {
      await engine.close();
    }
  });

  it('says that the service could not fetch a URL, and its limits', async () => {
    const engine = client(4);
    try {
      const outcome = await settleUpload('x', () => engine.uploadUrl(`${source.url}/gone/photo.png`), nullLogger);
      assert.equal(outcome.error?.code, 'bad-request');
      assert.match(outcome.error?.message ?? '', /The service could not fetch http:\/\/127\.0\.0\.1:\d+\/gone\/photo\.png: .*HTTP 404/);
      assert.match(outcome.error?.message ?? '', /30 seconds and be at most about 100 MB/);
    } finally {
      await engine.close();
    }
  });
});
