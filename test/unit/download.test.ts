import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { KieClient, type ClientDeps, type ClientSettings } from '../../src/core/client';
import { freeFileName, isTemporaryDownload, localFileName, suggestDownloadName } from '../../src/core/download';
import { startEmulator, type Emulator } from '../emulator/server';
import { expectFailure } from './assertions';

const KEY = 'download-test-key-0123456789';
const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'tls');

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}


async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('KieClient.download: an existing destination survives every failure', function () {
  let emulator: Emulator;
  let dir: string;
  let destination: string;
  const original = Buffer.from('the only copy of something the user cares about\n'.repeat(100));
  const hosted = randomBytes(256 * 1024);
  let link: string;

  function client(settings: Partial<ClientSettings> = {}, deps: Partial<ClientDeps> = {}): KieClient {
    return new KieClient({ baseUrl: emulator.url, uploadPath: 'tests', retentionHours: 72, ...settings }, { getApiKey: () => KEY, ...deps });
  }

  /** The destination is byte for byte the original, and no temporary file is left beside it. */
  async function assertUntouched(): Promise<void> {
    assert.equal(sha256(await fs.readFile(destination)), sha256(original), 'the destination changed');
    assert.deepEqual(await fs.readdir(dir), ['keep.bin'], 'a temporary file was left behind');
  }

  before(async () => {
    emulator = await startEmulator({ apiKey: KEY });
    const record = await client().uploadData(hosted, 'hosted.bin', { method: 'stream' });
    link = record.downloadUrl;
  });
  after(() => emulator.close());
  beforeEach(async () => {
    emulator.faults.clear();
    dir = await fs.mkdtemp(join(tmpdir(), 'kie-download-test-'));
    destination = join(dir, 'keep.bin');
    await fs.writeFile(destination, original);
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('replaces the destination in one rename once the whole body arrived', async () => {
    const before = await fs.stat(destination);
    const progress: number[] = [];
    const size = await client().download(link, destination, { onProgress: (bytes, total) => progress.push(bytes, total) });
    assert.equal(size, hosted.byteLength);
    assert.equal(sha256(await fs.readFile(destination)), sha256(hosted));
    // A new inode: the old file was replaced, never truncated and rewritten in place.
    assert.notEqual((await fs.stat(destination)).ino, before.ino);
    assert.deepEqual(await fs.readdir(dir), ['keep.bin']);
    assert.equal(progress.at(-2), hosted.byteLength);
    assert.equal(progress.at(-1), hosted.byteLength);
  });

  it('a dead link (404) leaves the destination alone', async () => {
    await expectFailure(client().download(`${emulator.url}/download/file_gone`, destination), 'not-found', /expired/);
    await assertUntouched();
  });

  it('a connection reset mid-body leaves the destination alone and removes the temporary file', async () => {
    emulator.faults.resetDownloadNext(1, 64 * 1024);
    await expectFailure(client().download(link, destination), 'network');
    await assertUntouched();
  });

  it('a body shorter than its Content-Length leaves the destination alone and removes the temporary file', async () => {
    emulator.faults.truncateDownloadNext(1, 100 * 1024);
    await expectFailure(client().download(link, destination), 'network');
    await assertUntouched();
  });

  it('a body that stalls times out, and leaves the destination alone', async () => {
    emulator.faults.stallDownloadNext(1, 10 * 1024);
    const started = Date.now();
    await expectFailure(client({ timeouts: { idleMs: 300 } }).download(link, destination), 'timeout', /download was stopped/);
    assert.ok(Date.now() - started < 5000);
    await assertUntouched();
  });

  it('a cancel mid-body leaves the destination alone, while the temporary file held the partial body', async () => {
    emulator.faults.stallDownloadNext(1, 10 * 1024);
    const controller = new AbortController();
    let partial = '';
    let midway = '';
    let checked = false;
    const pending = client().download(link, destination, {
      signal: controller.signal,
      onProgress: () => {
        if (checked) {
          return;
        }
        checked = true;
        setImmediate(() => {
          // The bytes so far are beside the destination, which is still the original.
          void Promise.all([fs.readdir(dir), fs.readFile(destination)])
            .then(([names, bytes]) => {
              partial = names.find(isTemporaryDownload) ?? '';
              midway = sha256(bytes);
            })
            .finally(() => controller.abort());
        });
      },
    });
    await expectFailure(pending, 'cancelled', /download was cancelled/);
    assert.ok(partial, 'the body was streamed into a temporary file');
    assert.equal(midway, sha256(original), 'the destination changed while the body was arriving');
    await assertUntouched();
  });

  it('a destination whose folder is gone fails as such, and leaves nothing behind', async () => {
    const missing = join(dir, 'no-such-folder', 'x.bin');
    await expectFailure(client().download(link, missing), 'not-found', /folder does not exist/);
    await assertUntouched();
  });

  it('keeps the permissions of the file it replaces', async () => {
    await fs.chmod(destination, 0o750);
    await client().download(link, destination);
    assert.equal((await fs.stat(destination)).mode & 0o777, 0o750);
  });
});

describe('KieClient.download: redirects', function () {
  let dir: string;
  let destination: string;
  const body = Buffer.from('redirected bytes');
  const seen: IncomingHttpHeaders[] = [];
  const servers: Server[] = [];
  let httpsBase = '';
  let httpBase = '';
  const tls = { key: readFileSync(join(FIXTURES, 'loopback-key.pem')), cert: readFileSync(join(FIXTURES, 'loopback-cert.pem')) };
  const dispatcher = new Agent({ connect: { ca: tls.cert } });

  /** `/hop/<n>` redirects to `/hop/<n-1>`; `/hop/0` serves the file; `/to?u=<url>` redirects there. */
  const handler: RequestListener = (req, res) => {
    seen.push(req.headers);
    const url = new URL(req.url ?? '/', 'http://x');
    const hop = /^\/hop\/(\d+)$/.exec(url.pathname);
    if (hop && hop[1] !== '0') {
      res.writeHead(302, { location: `/hop/${Number(hop[1]) - 1}` }).end();
    } else if (hop) {
      res.writeHead(200, { 'content-length': body.byteLength }).end(body);
    } else if (url.pathname === '/to') {
      res.writeHead(307, { location: url.searchParams.get('u') ?? '' }).end();
    } else {
      res.writeHead(404).end();
    }
  };

  function client(): KieClient {
    return new KieClient({ baseUrl: 'https://127.0.0.1', uploadPath: 'tests', retentionHours: 72 }, { getApiKey: () => KEY, dispatcher });
  }

  async function assertUntouched(): Promise<void> {
    assert.equal((await fs.readFile(destination)).toString(), 'mine');
    assert.deepEqual(await fs.readdir(dir), ['mine.txt']);
  }

  before(async () => {
    const secure = createHttpsServer(tls, handler);
    const plain = createServer(handler);
    servers.push(secure, plain);
    httpsBase = `https://127.0.0.1:${await listen(secure)}`;
    httpBase = `http://127.0.0.1:${await listen(plain)}`;
  });
  after(async () => {
    await dispatcher.close();
    servers.forEach((server) => server.close());
  });
  beforeEach(async () => {
    seen.length = 0;
    dir = await fs.mkdtemp(join(tmpdir(), 'kie-redirect-test-'));
    destination = join(dir, 'mine.txt');
    await fs.writeFile(destination, 'mine');
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('follows up to 5 https redirects, and never sends the key', async () => {
    assert.equal(await client().download(`${httpsBase}/hop/5`, destination), body.byteLength);
    assert.equal(await fs.readFile(destination, 'utf8'), body.toString());
    assert.equal(seen.length, 6);
    assert.ok(seen.every((headers) => headers.authorization === undefined), 'a download request carried an Authorization header');
    assert.ok(!JSON.stringify(seen).includes(KEY));
  });

  it('refuses a 6th redirect and leaves the destination alone', async () => {
    await expectFailure(client().download(`${httpsBase}/hop/6`, destination), 'protocol', /more than 5 times/);
    assert.equal(seen.length, 6, 'the 6th redirect was not followed');
    await assertUntouched();
  });

  it('refuses a redirect from https to http on another host, without connecting to it', async () => {
    const away = 'http://files.example.invalid/x.bin';
    await expectFailure(client().download(`${httpsBase}/to?u=${encodeURIComponent(away)}`, destination), 'protocol', /http:\/\/files\.example\.invalid.*not an https/);
    await assertUntouched();
  });

  it('follows a redirect from https to http on loopback', async () => {
    await client().download(`${httpsBase}/to?u=${encodeURIComponent(`${httpBase}/hop/0`)}`, destination);
    assert.equal(await fs.readFile(destination, 'utf8'), body.toString());
  });

  it('refuses a redirect to another scheme or to a URL with credentials', async () => {
    await expectFailure(client().download(`${httpsBase}/to?u=${encodeURIComponent('file:///etc/passwd')}`, destination), 'protocol');
    await expectFailure(client().download(`${httpsBase}/to?u=${encodeURIComponent(`https://me:pw@127.0.0.1:1/x`)}`, destination), 'protocol');
    await assertUntouched();
  });
});

describe('The suggested download name', () => {
  it('never leaves the folder: separators, dots and control characters are made harmless', () => {
    for (const [given, expected] of [
      ['../../x', '_.._x'],
      ['a/b', 'a_b'],
      ['a\\b.png', 'a_b.png'],
      ['..', 'download'],
      ['/etc/passwd', '_etc_passwd'],
      ['re\u0000po\u001b[31mrt.pdf', 'repo[31mrt.pdf'],
      ['in\u202evoice\u202cgnp.exe', 'invoicegnp.exe'],
      ['.bashrc', 'bashrc'],
      ['name. ', 'name'],
      ['con.txt', '_con.txt'],
      ['what?.png', 'what_.png'],
      ['', 'download'],
      ['日本語のファイル.png', '日本語のファイル.png'],
    ]) {
      assert.equal(localFileName(given), expected, JSON.stringify(given));
    }
    assert.equal(localFileName(42), 'download');
  });

  it('keeps the extension when it shortens a long name', () => {
    const name = localFileName(`${'é'.repeat(300)}.png`);
    assert.ok(Buffer.byteLength(name) <= 200);
    assert.ok(name.endsWith('é.png'));
  });

  it('proposes a name that is free: never an existing file', async () => {
    const taken = new Set(['report.pdf', 'report (1).pdf', 'README']);
    const exists = (name: string) => taken.has(name);
    assert.equal(await freeFileName('report.pdf', exists), 'report (2).pdf');
    assert.equal(await freeFileName('README', exists), 'README (1)');
    assert.equal(await freeFileName('new.png', exists), 'new.png');
  });

  it('suggests a safe, free name for what the service called the file', async () => {
    const asked: string[] = [];
    const taken = new Set(['_.._x', 'a_b']);
    const exists = (name: string) => (asked.push(name), taken.has(name));
    assert.equal(await suggestDownloadName('../../x', exists), '_.._x (1)');
    assert.equal(await suggestDownloadName('a/b', exists), 'a_b (1)');
    assert.equal(await suggestDownloadName('ctrl\u0007\u0000.txt', exists), 'ctrl.txt');
    assert.ok(asked.every((name) => !name.includes('/') && !name.includes('\\') && !name.startsWith('.')), asked.join());
  });
});
