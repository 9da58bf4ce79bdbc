/**
 * The File Upload API emulator, exercised over real loopback HTTP the way clients use it:
 * the documented curl sample, browser-style fetch + FormData, a Python-requests-style body.
 */
import * as assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server';

const KEY = 'test-key';
const AUTH = { Authorization: `Bearer ${KEY}` };
const STREAM = '/api/file-stream-upload';
const BASE64 = '/api/file-base64-upload';
const URL_UPLOAD = '/api/file-url-upload';
const QUICKSTART_KEYS = [
  'fileId', 'fileName', 'originalName', 'fileSize', 'mimeType', 'uploadPath', 'fileUrl', 'downloadUrl', 'uploadTime', 'expiresAt',
];
const REFERENCE_KEYS = ['fileName', 'filePath', 'downloadUrl', 'fileSize', 'mimeType', 'uploadedAt'];
const CLI = path.join(__dirname, '..', 'emulator', 'cli.js');
const execFileAsync = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Helpers

interface ApiResponse {
  status: number;
  headers: Headers;
  body: { success: boolean; code: number; msg: string; data?: Record<string, unknown> };
}

async function call(emu: Emulator, pathname: string, init: RequestInit = {}): Promise<ApiResponse> {
  const response = await fetch(`${emu.url}${pathname}`, { method: 'POST', ...init });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ApiResponse['body'] };
}

function postJson(emu: Emulator, pathname: string, json: unknown, headers: Record<string, string> = AUTH) {
  return call(emu, pathname, {
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(json),
  });
}

function uploadForm(emu: Emulator, bytes: Uint8Array, fields: Record<string, string>, name = 'photo.png', headers = AUTH) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/png' }), name);
  for (const [key, value] of Object.entries(fields)) {
    form.append(key, value);
  }
  return call(emu, STREAM, { headers, body: form });
}

function uploadBase64(emu: Emulator, bytes: Uint8Array, fields: Record<string, string> = { uploadPath: 'b64' }) {
  return postJson(emu, BASE64, { base64Data: Buffer.from(bytes).toString('base64'), ...fields });
}

async function download(url: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

function assertSuccess(response: ApiResponse, keys = QUICKSTART_KEYS): Record<string, unknown> {
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.success, true);
  assert.equal(response.body.code, 200);
  assert.equal(response.body.msg, 'File uploaded successfully');
  const data = response.body.data as Record<string, unknown>;
  assert.deepEqual(Object.keys(data).sort(), [...keys].sort());
  return data;
}

function assertError(response: ApiResponse, status: number, msgPattern?: RegExp): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.deepEqual(Object.keys(response.body).sort(), ['code', 'msg', 'success']);
  assert.equal(response.body.success, false);
  assert.equal(response.body.code, status);
  if (msgPattern) {
    assert.match(response.body.msg, msgPattern);
  }
}

interface Part {
  name: string;
  value: string | Buffer;
  filename?: string;
  contentType?: string;
  /** Written after `name="…"` as is, e.g. `; filename*=UTF-8''na%C3%AFve.png`. */
  params?: string;
}

/** A multipart/form-data body built by hand, so field order and part headers are exact. */
function multipart(parts: Part[], boundary = `----emulatortest${randomBytes(8).toString('hex')}`) {
  const chunks = parts.flatMap((part) => {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}${part.params ?? ''}`;
    const type = part.contentType ? `Content-Type: ${part.contentType}\r\n` : '';
    return [Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), Buffer.from(part.value), Buffer.from('\r\n')];
  });
  return {
    body: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** The documented curl sample, verbatim apart from the URL, key and file. */
async function curlUpload(emu: Emulator, file: string, key: string): Promise<ApiResponse> {
  const { stdout } = await execFileAsync('curl', [
    '-sS', '-w', '\n%{http_code}', '-X', 'POST', `${emu.url}${STREAM}`, '-H', `Authorization: Bearer ${key}`,
    '-F', `file=@${file}`, '-F', 'uploadPath=images', '-F', 'fileName=my.jpg',
  ]);
  const [body, status] = stdout.split('\n');
  return { status: Number(status), headers: new Headers(), body: JSON.parse(body) };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function tempAreaIsEmpty(emu: Emulator): Promise<boolean> {
  return (await readdir(path.join(emu.storageDir, 'tmp'))).length === 0;
}

/** An emulator per `describe` block, closed afterwards. */
function useEmulator(options: Partial<EmulatorOptions> = {}): () => Emulator {
  let emu: Emulator | undefined;
  before(async () => {
    emu = await startEmulator({ apiKey: KEY, ...options });
  });
  after(async () => {
    await emu?.close();
  });
  return () => emu as Emulator;
}

/** A plain local HTTP server (URL-upload sources, CLI port clashes). */
async function startServer(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function stopServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

// ---------------------------------------------------------------------------------------------

describe('emulator: stream upload', () => {
  const emu = useEmulator();
  let tmpDir: string;

  before(async () => {
    tmpDir = await mkdtemp(path.join(os.tmpdir(), 'emulator-test-'));
  });
  after(async () => {
    await rm(tmpDir, { recursive: true, force: true });
  });

  it('accepts the documented curl sample and serves the bytes back', async () => {
    // Over 1 MiB, so curl sends `Expect: 100-continue` and waits for the go-ahead.
    const bytes = randomBytes(2 * 1024 * 1024 + 5);
    const local = path.join(tmpDir, 'sample-image.jpg');
    await writeFile(local, bytes);
    const data = assertSuccess(await curlUpload(emu(), local, KEY));
    assert.equal(data.fileName, 'my.jpg');
    assert.equal(data.originalName, 'sample-image.jpg');
    assert.equal(data.uploadPath, 'images');
    assert.equal(data.fileSize, bytes.length);
    assert.equal(data.mimeType, 'image/jpeg');
    assert.equal(data.fileUrl, `${emu().url}/files/images/my.jpg`);
    assert.match(data.fileId as string, /^file_[0-9a-f]+$/);
    assert.equal(data.downloadUrl, `${emu().url}/download/${data.fileId}`);
    assert.match(data.uploadTime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const viaFileUrl = await download(data.fileUrl as string);
    assert.equal(viaFileUrl.status, 200);
    assert.equal(viaFileUrl.headers.get('content-type'), 'image/jpeg');
    assert.equal(viaFileUrl.headers.get('content-length'), String(bytes.length));
    assert.deepEqual(viaFileUrl.bytes, bytes);
    const viaDownloadUrl = await download(data.downloadUrl as string);
    assert.deepEqual(viaDownloadUrl.bytes, bytes);
    assert.match(viaDownloadUrl.headers.get('content-disposition') ?? '', /attachment; filename="my.jpg"/);
  });

  it('accepts the browser sample (fetch + FormData: file first, then the text fields)', async () => {
    const bytes = randomBytes(1234);
    const data = assertSuccess(await uploadForm(emu(), bytes, { uploadPath: 'web/uploads', fileName: 'shot.png' }));
    assert.equal(data.fileUrl, `${emu().url}/files/web/uploads/shot.png`);
    assert.equal(data.mimeType, 'image/png');
    assert.deepEqual((await download(data.fileUrl as string)).bytes, bytes);
  });

  it('accepts a Python-requests-style body (text fields before a file part without Content-Type)', async () => {
    const bytes = randomBytes(777);
    const form = multipart([
      { name: 'uploadPath', value: 'py' },
      { name: 'fileName', value: 'from-python.png' },
      { name: 'file', value: bytes, filename: 'original.png' },
    ]);
    const data = assertSuccess(
      await call(emu(), STREAM, { headers: { ...AUTH, 'Content-Type': form.contentType }, body: form.body }),
    );
    assert.equal(data.fileName, 'from-python.png');
    assert.equal(data.originalName, 'original.png');
    assert.equal(data.mimeType, 'image/png', 'busboy\'s text/plain default must not override the extension');
    assert.deepEqual((await download(data.fileUrl as string)).bytes, bytes);
  });

  it('invents a random name keeping the extension when fileName is omitted', async () => {
    const first = assertSuccess(await uploadForm(emu(), randomBytes(10), { uploadPath: 'random' }, 'holiday.webp'));
    const second = assertSuccess(await uploadForm(emu(), randomBytes(10), { uploadPath: 'random' }, 'holiday.webp'));
    assert.match(first.fileName as string, /^[0-9a-f]{12}\.webp$/);
    assert.notEqual(first.fileName, second.fileName);
    assert.equal(first.originalName, 'holiday.webp');
  });

  it('overwrites the same uploadPath + fileName: the same fileUrl serves the new bytes', async () => {
    const fields = { uploadPath: 'overwrite', fileName: 'same.png' };
    const old = assertSuccess(await uploadForm(emu(), Buffer.from('old bytes'), fields));
    const fresh = assertSuccess(await uploadForm(emu(), Buffer.from('new bytes!'), fields));
    assert.equal(fresh.fileUrl, old.fileUrl);
    assert.equal((await download(fresh.fileUrl as string)).bytes.toString(), 'new bytes!');
    assert.equal((await download(old.downloadUrl as string)).status, 404, 'the replaced upload id is gone');
    assert.equal(emu().listFiles().filter((f) => f.uploadPath === 'overwrite').length, 1);
  });

  it('returns the reference shape when switched at runtime', async () => {
    emu().setResponseShape('reference');
    try {
      const bytes = randomBytes(300);
      const data = assertSuccess(
        await uploadForm(emu(), bytes, { uploadPath: 'images/user-uploads', fileName: 'uploaded-image.png' }),
        REFERENCE_KEYS,
      );
      assert.equal(data.filePath, 'images/user-uploads/uploaded-image.png');
      assert.equal(data.fileSize, 300);
      assert.match(data.uploadedAt as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual((await download(data.downloadUrl as string)).bytes, bytes);
    } finally {
      emu().responseShape = 'quickstart';
    }
  });

  it('rejects a form without a file part, without uploadPath, or with the wrong Content-Type', async () => {
    const noFile = multipart([{ name: 'uploadPath', value: 'x' }]);
    assertError(
      await call(emu(), STREAM, { headers: { ...AUTH, 'Content-Type': noFile.contentType }, body: noFile.body }),
      400,
      /file is required/,
    );
    assertError(await uploadForm(emu(), randomBytes(10), {}), 400, /uploadPath is required/);
    assertError(await postJson(emu(), STREAM, { uploadPath: 'x' }), 400, /Content-Type must be multipart\/form-data/);
    await waitFor(() => tempAreaIsEmpty(emu()), 'temp files of rejected uploads to be removed');
  });

  it('rejects path traversal and absolute paths, writing nothing outside its storage', async () => {
    const marker = `escape-${randomBytes(4).toString('hex')}.png`;
    const cases: Record<string, string>[] = [
      { uploadPath: '../outside', fileName: marker },
      { uploadPath: 'a/../../..', fileName: marker },
      { uploadPath: '/etc', fileName: marker },
      { uploadPath: 'C:/windows', fileName: marker },
      { uploadPath: 'ok', fileName: `../${marker}` },
      { uploadPath: 'ok', fileName: `..\\${marker}` },
      { uploadPath: 'ok', fileName: '..' },
      { uploadPath: 'a//b', fileName: marker },
    ];
    for (const fields of cases) {
      assertError(await uploadForm(emu(), randomBytes(10), fields), 400);
    }
    const parent = path.dirname(emu().storageDir);
    assert.equal(existsSync(path.join(parent, marker)), false);
    assert.equal(existsSync(path.join(parent, 'outside', marker)), false);
  });

  it('answers 400 for a truncated multipart body and keeps serving', async () => {
    const form = multipart([{ name: 'file', value: randomBytes(4000), filename: 'a.bin' }, { name: 'uploadPath', value: 'x' }]);
    const truncated = form.body.subarray(0, 2000);
    assertError(
      await call(emu(), STREAM, { headers: { ...AUTH, 'Content-Type': form.contentType }, body: truncated }),
      400,
      /Malformed multipart/,
    );
    assertError(
      await call(emu(), STREAM, { headers: { ...AUTH, 'Content-Type': 'multipart/form-data' }, body: 'x' }),
      400,
      /Malformed multipart request/,
    );
    await waitFor(() => tempAreaIsEmpty(emu()), 'the partial temp file to be removed');
    assertSuccess(await uploadForm(emu(), randomBytes(10), { uploadPath: 'after-truncation' }));
  });

  it('keeps its form limits: 32 text fields, 63 parts (the closing boundary counts as the 64th), 64 KiB a field, one file part', async () => {
    const send = (parts: Part[]) => {
      const form = multipart(parts);
      return call(emu(), STREAM, { headers: { ...AUTH, 'Content-Type': form.contentType }, body: form.body });
    };
    const file: Part = { name: 'file', value: randomBytes(100), filename: 'a.bin' };
    const fields = (count: number): Part[] => Array.from({ length: count }, (_, i) => ({ name: `note${i}`, value: 'v' }));
    const otherFiles = (count: number): Part[] => Array.from({ length: count }, (_, i) => ({ name: `extra${i}`, value: 'x', filename: 'x.bin' }));
    const uploadPath: Part = { name: 'uploadPath', value: 'limits' };

    assertSuccess(await send([file, uploadPath, ...fields(31)]));
    assertError(await send([file, uploadPath, ...fields(32)]), 400, /^Too many form parts$/);
    assertSuccess(await send([file, uploadPath, ...otherFiles(61)]));
    assertError(await send([file, uploadPath, ...otherFiles(62)]), 400, /^Too many form parts$/);
    assertSuccess(await send([file, uploadPath, { name: 'note', value: 'y'.repeat(64 * 1024 - 1) }]));
    assertError(await send([file, { name: 'uploadPath', value: 'y'.repeat(64 * 1024) }]), 400, /^Form field "uploadPath" is too long$/);
    assertError(await send([file, uploadPath, { ...file, value: randomBytes(10) }]), 400, /^Only one "file" part is allowed$/);
    await waitFor(() => tempAreaIsEmpty(emu()), 'temp files of rejected uploads to be removed');
  });

  it('reads part headers as clients write them: RFC 5987 names, paths dropped, other file parts ignored', async () => {
    const bytes = randomBytes(500);
    const form = multipart([
      { name: 'avatar', value: randomBytes(50), filename: 'other.png', contentType: 'image/png' },
      { name: 'file', value: bytes, filename: 'ascii-fallback.png', params: "; filename*=UTF-8''na%C3%AFve%20%E5%86%99%E7%9C%9F.png", contentType: 'image/png' },
      { name: 'uploadPath', value: 'headers' },
    ]);
    const data = assertSuccess(await call(emu(), STREAM, { headers: { ...AUTH, 'Content-Type': form.contentType }, body: form.body }));
    assert.equal(data.originalName, 'naïve 写真.png');
    assert.deepEqual((await download(data.fileUrl as string)).bytes, bytes, 'the bytes of the part named "file", not of the other file part');

    const windows = multipart([
      { name: 'uploadPath', value: 'headers' },
      { name: 'file', value: bytes, filename: 'C:\\\\Users\\\\me\\\\photo.png' },
    ]);
    const fromWindows = assertSuccess(await call(emu(), STREAM, { headers: { ...AUTH, 'Content-Type': windows.contentType }, body: windows.body }));
    assert.equal(fromWindows.originalName, 'photo.png');
    assert.equal(fromWindows.mimeType, 'image/png');
  });

  it('cleans up the temp file when the client aborts mid-upload', async () => {
    const form = multipart([{ name: 'uploadPath', value: 'aborted' }, { name: 'file', value: randomBytes(1 << 20), filename: 'a.bin' }]);
    const req = http.request(`${emu().url}${STREAM}`, {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': form.contentType, 'Content-Length': form.body.length },
    });
    req.on('error', () => undefined);
    req.write(form.body.subarray(0, 300_000));
    await waitFor(async () => !(await tempAreaIsEmpty(emu())), 'the upload to start streaming to disk');
    req.destroy();
    await waitFor(() => tempAreaIsEmpty(emu()), 'the partial temp file to be removed');
    assert.equal(emu().listFiles().filter((f) => f.uploadPath === 'aborted').length, 0);
  });

  it('streams a 200 MiB upload to disk without growing its memory much', async function () {
    this.timeout(60_000);
    const chunk = randomBytes(1 << 20);
    const chunks = 200;
    const boundary = 'bigboundary7d1e2f';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = multipart([{ name: 'uploadPath', value: 'big' }], boundary).body;
    const before = process.memoryUsage();
    let peak = { rss: before.rss, heapUsed: before.heapUsed };
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak = { rss: Math.max(peak.rss, now.rss), heapUsed: Math.max(peak.heapUsed, now.heapUsed) };
    }, 20);
    try {
      const req = http.request(`${emu().url}${STREAM}`, {
        method: 'POST',
        headers: {
          ...AUTH,
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': head.length + chunk.length * chunks + 2 + tail.length,
        },
      });
      const response = once(req, 'response') as Promise<[http.IncomingMessage]>;
      req.write(head);
      for (let i = 0; i < chunks; i++) {
        if (!req.write(chunk)) {
          await once(req, 'drain');
        }
      }
      req.end(Buffer.concat([Buffer.from('\r\n'), tail]));
      const [res] = await response;
      const text = Buffer.concat(await res.toArray()).toString();
      const data = assertSuccess({ status: res.statusCode ?? 0, headers: new Headers(), body: JSON.parse(text) });
      assert.equal(data.fileSize, chunk.length * chunks);

      const expected = createHash('sha256');
      for (let i = 0; i < chunks; i++) {
        expected.update(chunk);
      }
      const served = createHash('sha256');
      const got = await fetch(data.fileUrl as string);
      for await (const piece of got.body as unknown as AsyncIterable<Uint8Array>) {
        served.update(piece);
      }
      assert.equal(served.digest('hex'), expected.digest('hex'));
    } finally {
      clearInterval(sampler);
    }
    const MB = 1024 * 1024;
    assert.ok(peak.heapUsed - before.heapUsed < 100 * MB, `heap grew ${(peak.heapUsed - before.heapUsed) / MB} MB`);
    assert.ok(peak.rss - before.rss < 100 * MB, `rss grew ${(peak.rss - before.rss) / MB} MB`);
  });
});

describe('emulator: reusing deleted files (reuseDeletedFiles)', () => {
  const emu = useEmulator({ reuseDeletedFiles: true });
  const MiB = 1024 * 1024;

  /** Deletes every stored file the way the benchmark does between cases: through expiry. */
  async function deleteAll(): Promise<void> {
    const clock = emu().now;
    emu().now = () => clock() + 1e13;
    try {
      await emu().expireNow();
    } finally {
      emu().now = clock;
    }
  }

  async function spareFiles(): Promise<string[]> {
    return readdir(path.join(emu().storageDir, 'spare'));
  }

  it('writes the next large upload over a deleted file and keeps exactly the new bytes', async () => {
    const first = assertSuccess(await uploadForm(emu(), randomBytes(3 * MiB), { uploadPath: 'reuse' }));
    await deleteAll();
    assert.equal((await spareFiles()).length, 1, 'the deleted file is kept');
    assert.equal((await download(first.fileUrl as string)).status, 404);

    const smaller = randomBytes(2 * MiB + 3);
    const second = assertSuccess(await uploadForm(emu(), smaller, { uploadPath: 'reuse' }));
    assert.equal((await spareFiles()).length, 0, 'the kept file was used');
    assert.equal(second.fileSize, smaller.length);
    assert.deepEqual((await download(second.fileUrl as string)).bytes, smaller, 'nothing of the old file is left');

    await deleteAll();
    const larger = randomBytes(4 * MiB);
    const third = assertSuccess(await uploadForm(emu(), larger, { uploadPath: 'reuse' }));
    assert.deepEqual((await download(third.fileUrl as string)).bytes, larger);
    await deleteAll();
  });

  it('keeps the largest deleted file only, and small uploads leave it alone', async () => {
    assertSuccess(await uploadForm(emu(), randomBytes(2 * MiB), { uploadPath: 'reuse' }));
    assertSuccess(await uploadForm(emu(), randomBytes(3 * MiB), { uploadPath: 'reuse' }));
    assertSuccess(await uploadForm(emu(), randomBytes(10), { uploadPath: 'reuse' }));
    await deleteAll();
    const kept = await spareFiles();
    assert.equal(kept.length, 1);
    const small = randomBytes(100);
    const data = assertSuccess(await uploadForm(emu(), small, { uploadPath: 'reuse' }));
    assert.deepEqual(await spareFiles(), kept, 'a small upload does not take it');
    assert.deepEqual((await download(data.fileUrl as string)).bytes, small);
    await deleteAll();
  });

  it('removes the kept file when an upload written over it fails', async () => {
    assertSuccess(await uploadForm(emu(), randomBytes(2 * MiB), { uploadPath: 'reuse' }));
    await deleteAll();
    const form = multipart([{ name: 'file', value: randomBytes(2 * MiB), filename: 'a.bin' }, { name: 'uploadPath', value: 'reuse' }]);
    assertError(
      await call(emu(), STREAM, { headers: { ...AUTH, 'Content-Type': form.contentType }, body: form.body.subarray(0, MiB + 100) }),
      400,
      /Malformed multipart/,
    );
    await waitFor(async () => (await spareFiles()).length === 0 && (await tempAreaIsEmpty(emu())), 'the partial file to be removed');
    assert.equal(emu().listFiles().length, 0);
  });
});

describe('emulator: base64 upload', () => {
  const emu = useEmulator({ maxBase64Bytes: 1000, maxJsonBytes: 10_000 });

  it('accepts plain base64 (quickstart shape) and serves the decoded bytes', async () => {
    const bytes = randomBytes(600);
    const data = assertSuccess(await uploadBase64(emu(), bytes, { uploadPath: 'b64', fileName: 'blob.bin' }));
    assert.equal(data.fileSize, 600);
    assert.equal(data.mimeType, 'application/octet-stream');
    assert.deepEqual((await download(data.fileUrl as string)).bytes, bytes);
  });

  it('accepts a data URL, taking the MIME type from it (reference shape)', async () => {
    emu().responseShape = 'reference';
    try {
      const bytes = randomBytes(90);
      const response = await postJson(emu(), BASE64, {
        base64Data: `data:image/png;base64,${bytes.toString('base64')}`,
        uploadPath: 'images/user-uploads',
      });
      const data = assertSuccess(response, REFERENCE_KEYS);
      assert.match(data.fileName as string, /^[0-9a-f]{12}\.png$/);
      assert.equal(data.mimeType, 'image/png');
      assert.deepEqual((await download(data.downloadUrl as string)).bytes, bytes);
    } finally {
      emu().responseShape = 'quickstart';
    }
  });

  it('tolerates line-wrapped base64', async () => {
    const bytes = randomBytes(200);
    const wrapped = bytes.toString('base64').replace(/(.{76})/g, '$1\r\n');
    assertSuccess(await postJson(emu(), BASE64, { base64Data: wrapped, uploadPath: 'b64' }));
  });

  it('rejects invalid base64, missing fields, malformed JSON and oversized payloads', async () => {
    const bad = async (json: unknown, status: number, msg: RegExp) => assertError(await postJson(emu(), BASE64, json), status, msg);
    await bad({ base64Data: 'aGVsbG8', uploadPath: 'x' }, 400, /not valid base64/); // missing padding
    await bad({ base64Data: 'aGVs*G8=', uploadPath: 'x' }, 400, /not valid base64/);
    await bad({ base64Data: 'aGVsbG8=====', uploadPath: 'x' }, 400, /not valid base64/);
    await bad({ base64Data: 'data:image/png,aGVsbG8=', uploadPath: 'x' }, 400, /data URL/);
    await bad({ uploadPath: 'x' }, 400, /base64Data is required/);
    await bad({ base64Data: 'aGVsbG8=' }, 400, /uploadPath is required/);
    await bad({ base64Data: 'aGVsbG8=', uploadPath: 'x', fileName: '../../x' }, 400, /fileName/);
    await bad([1, 2], 400, /JSON object/);
    await bad({ base64Data: randomBytes(1001).toString('base64'), uploadPath: 'x' }, 400, /limit is 1000 bytes/);
    assertError(
      await call(emu(), BASE64, { headers: { ...AUTH, 'Content-Type': 'application/json' }, body: '{"base64Data": ' }),
      400,
      /not valid JSON/,
    );
    assertError(
      await call(emu(), BASE64, { headers: { ...AUTH, 'Content-Type': 'text/plain' }, body: '{}' }),
      400,
      /Content-Type must be application\/json/,
    );
    await bad({ base64Data: 'A'.repeat(20_000), uploadPath: 'x' }, 413, /exceeds 10000 bytes/);
  });
});

describe('emulator: base64 upload, what JSON.parse reads', () => {
  const emu = useEmulator({ maxBase64Bytes: 1000, maxJsonBytes: 10_000 });

  function postText(text: string) {
    return call(emu(), BASE64, { headers: { ...AUTH, 'Content-Type': 'application/json' }, body: text });
  }

  it('refuses the URL-safe alphabet and accepts the standard one', async () => {
    const bytes = Buffer.alloc(60, 0xfb);
    const payload = bytes.toString('base64'); // "+/+/…"
    const data = assertSuccess(await postJson(emu(), BASE64, { uploadPath: 'x', fileName: 'a.bin', base64Data: payload }));
    assert.deepEqual((await download(data.fileUrl as string)).bytes, bytes);
    for (const urlSafe of ['-', '_']) {
      const base64Data = `${payload.slice(0, 40)}${urlSafe}AAA${payload.slice(40)}`;
      assertError(await postJson(emu(), BASE64, { uploadPath: 'x', base64Data }), 400, /^base64Data is not valid base64 \(bad characters or padding\)$/);
    }
  });

  it('reads escapes, the last of repeated members, data URL parameters and any whitespace', async () => {
    const slashes = Buffer.from([0xff, 0xff, 0xff, 0xfb, 0xff]); // base64 "////+/8="
    const escaped = await postText(`{"uploadPath":"esc","fileName":"s.bin","base64Data":"not base64!","base64Data":"\\/\\/\\/\\/\\u002b\\/8="}`);
    assert.deepEqual((await download(assertSuccess(escaped).fileUrl as string)).bytes, slashes);

    const text = Buffer.from('hello, world');
    const spaced = `data:text/plain;charset=utf-8;BASE64,${text.toString('base64').replace(/(.{4})/g, '$1\u00a0\u2028\t')}`;
    const fromDataUrl = assertSuccess(await postJson(emu(), BASE64, { uploadPath: 'esc', base64Data: spaced }));
    assert.equal(fromDataUrl.mimeType, 'text/plain');
    assert.match(fromDataUrl.fileName as string, /^[0-9a-f]{12}\.txt$/);
    assert.deepEqual((await download(fromDataUrl.fileUrl as string)).bytes, text);

    assertError(await postJson(emu(), BASE64, { uploadPath: 'x', base64Data: 42 }), 400, /^base64Data is required$/);
    assertError(await postJson(emu(), BASE64, { uploadPath: 'x', base64Data: 'data:image/png;base64,' }), 400, /not valid base64/);
    assertError(await postText('\ufeff{"uploadPath":"x","base64Data":"aGk="}'), 400, /^Request body is not valid JSON$/);
    assertError(await postText('{"uploadPath":"x","base64Data":"aG\u0001k="}'), 400, /^Request body is not valid JSON$/);
    await waitFor(() => tempAreaIsEmpty(emu()), 'no temp file left behind');
  });
});

describe('emulator: base64 upload with the default caps', () => {
  const emu = useEmulator();

  it('stores a 3 MiB upload as exactly its bytes', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 1);
    const data = assertSuccess(await uploadBase64(emu(), bytes, { uploadPath: 'big', fileName: 'big.bin' }));
    assert.equal(data.fileSize, bytes.length);
    assert.deepEqual((await download(data.fileUrl as string)).bytes, bytes);
  });
});

describe('emulator: URL upload', () => {
  const emu = useEmulator({ urlFetchTimeoutMs: 300, urlFetchMaxBytes: 1024 });
  const payload = randomBytes(700);
  let source: { url: string; server: http.Server };

  before(async () => {
    source = await startServer((req, res) => {
      switch (req.url) {
        case '/assets/photo%20one.png':
          res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': payload.length }).end(payload);
          return;
        case '/':
          res.writeHead(200, { 'Content-Type': 'image/gif' }).end(payload);
          return;
        case '/redirect':
          res.writeHead(302, { Location: '/assets/photo%20one.png' }).end();
          return;
        case '/big-declared':
          res.writeHead(200, { 'Content-Length': 2048 }).end(Buffer.alloc(2048));
          return;
        case '/big-chunked':
          res.writeHead(200);
          res.write(Buffer.alloc(1000));
          res.end(Buffer.alloc(1000));
          return;
        case '/stalls':
          res.writeHead(200, { 'Content-Length': 100 });
          res.write(Buffer.alloc(10)); // and never the rest
          return;
        default:
          res.writeHead(404).end('nope');
      }
    });
  });
  after(() => stopServer(source.server));

  it('fetches the file, naming it after the last URL segment', async () => {
    const data = assertSuccess(await postJson(emu(), URL_UPLOAD, { fileUrl: `${source.url}/assets/photo%20one.png`, uploadPath: 'remote' }));
    assert.equal(data.fileName, 'photo one.png');
    assert.equal(data.mimeType, 'image/png');
    assert.equal(data.fileUrl, `${emu().url}/files/remote/photo%20one.png`);
    assert.deepEqual((await download(data.fileUrl as string)).bytes, payload);
  });

  it('uses fileName when given, follows redirects, and invents a name when the URL has none', async () => {
    const named = assertSuccess(
      await postJson(emu(), URL_UPLOAD, { fileUrl: `${source.url}/redirect`, uploadPath: 'remote', fileName: 'mine.png' }),
    );
    assert.equal(named.fileName, 'mine.png');
    assert.deepEqual((await download(named.fileUrl as string)).bytes, payload);
    emu().responseShape = 'reference';
    try {
      const unnamed = assertSuccess(await postJson(emu(), URL_UPLOAD, { fileUrl: `${source.url}/`, uploadPath: 'remote' }), REFERENCE_KEYS);
      assert.match(unnamed.fileName as string, /^[0-9a-f]{12}\.gif$/);
      assert.equal(unnamed.mimeType, 'image/gif');
    } finally {
      emu().responseShape = 'quickstart';
    }
  });

  it('rejects non-http URLs, unreachable hosts and HTTP errors with 400', async () => {
    const bad = async (fileUrl: unknown, msg: RegExp) =>
      assertError(await postJson(emu(), URL_UPLOAD, { fileUrl, uploadPath: 'remote' }), 400, msg);
    await bad('ftp://example.com/a.png', /http or https/);
    await bad('file:///etc/passwd', /http or https/);
    await bad('not a url', /not a valid URL/);
    await bad(undefined, /fileUrl is required/);
    await bad(`${source.url}/missing.png`, /HTTP 404/);
    const closed = await startServer(() => undefined);
    await stopServer(closed.server);
    await bad(`${closed.url}/gone.png`, /could not be fetched: ECONNREFUSED/);
  });

  it('enforces the download timeout and the size cap', async () => {
    const bad = async (route: string, msg: RegExp) =>
      assertError(await postJson(emu(), URL_UPLOAD, { fileUrl: `${source.url}${route}`, uploadPath: 'remote' }), 400, msg);
    await bad('/stalls', /timed out after 300 ms/);
    await bad('/big-declared', /exceeds the 1024-byte limit/);
    await bad('/big-chunked', /exceeds the 1024-byte limit/);
    await waitFor(() => tempAreaIsEmpty(emu()), 'partial downloads to be removed');
  });
});

describe('emulator: auth and routing', () => {
  const emu = useEmulator();

  it('answers 401 without or with a wrong key, on every endpoint', async () => {
    for (const endpoint of [STREAM, BASE64, URL_UPLOAD]) {
      assertError(await call(emu(), endpoint, { body: '{}' }), 401, /Missing Authorization/);
      const wrong = await call(emu(), endpoint, { headers: { Authorization: 'Bearer nope' }, body: '{}' });
      assertError(wrong, 401, /Invalid API key/);
      assert.equal(wrong.headers.get('www-authenticate'), 'Bearer');
    }
    assert.equal(emu().listFiles().length, 0);
  });

  it('rejects a large upload with a wrong key cleanly, before storing anything', async () => {
    const big = new Uint8Array(20 * 1024 * 1024);
    const wrongKey = { Authorization: 'Bearer nope' };
    assertError(await uploadForm(emu(), big, { uploadPath: 'x' }, 'big.bin', wrongKey), 401);
    // curl waits for `100 Continue`, which a rejected request never gets: it sends no body.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emulator-test-'));
    try {
      await writeFile(path.join(dir, 'big.jpg'), big);
      const received = emu().stats.bytesReceived;
      assertError(await curlUpload(emu(), path.join(dir, 'big.jpg'), 'nope'), 401, /Invalid API key/);
      assert.ok(emu().stats.bytesReceived - received < 1024 * 1024, 'the body was not sent');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // The connection stays usable: the next request on the same keep-alive pool succeeds.
    assertSuccess(await uploadForm(emu(), randomBytes(10), { uploadPath: 'after-401' }));
  });

  it('answers 405 for other methods on the API paths and 404 for unknown paths', async () => {
    const wrongMethod = await call(emu(), BASE64, { method: 'GET', headers: AUTH });
    assertError(wrongMethod, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    assertError(await call(emu(), STREAM, { method: 'PUT', headers: AUTH, body: 'x' }), 405);
    assertError(await call(emu(), '/api/file-upload', { headers: AUTH }), 404);
    assertError(await call(emu(), '/', { method: 'GET' }), 404);
    assertError(await call(emu(), '/files/nothing/here.png', { method: 'GET' }), 404);
    assertError(await call(emu(), '/download/file_unknown', { method: 'GET' }), 404);
  });
});

describe('emulator: expiry', () => {
  let clock = Date.parse('2025-01-15T10:30:00Z');
  const emu = useEmulator({ now: () => clock, retentionHours: 72 });

  it('stamps upload and expiry times from the injected clock', async () => {
    const data = assertSuccess(await uploadBase64(emu(), randomBytes(10)));
    assert.equal(data.uploadTime, '2025-01-15T10:30:00Z');
    assert.equal(data.expiresAt, '2025-01-18T10:30:00Z');
  });

  it('stops serving a file once it expires, and deletes it', async () => {
    const data = assertSuccess(await uploadBase64(emu(), randomBytes(10), { uploadPath: 'exp', fileName: 'lazy.bin' }));
    const onDisk = path.join(emu().storageDir, 'files', 'exp', 'lazy.bin');
    clock += 72 * 3_600_000 - 1;
    assert.equal((await download(data.fileUrl as string)).status, 200);
    clock += 1;
    assert.equal((await download(data.fileUrl as string)).status, 404);
    assert.equal((await download(data.downloadUrl as string)).status, 404);
    await waitFor(() => !existsSync(onDisk), 'the expired file to be deleted');
  });

  it('expireNow() sweeps every expired file against a replaced clock', async () => {
    const data = assertSuccess(await uploadBase64(emu(), randomBytes(10), { uploadPath: 'exp', fileName: 'swept.bin' }));
    const onDisk = path.join(emu().storageDir, 'files', 'exp', 'swept.bin');
    assert.ok(existsSync(onDisk));
    const start = Date.parse(data.uploadTime as string);
    emu().now = () => start + 73 * 3_600_000;
    try {
      assert.equal(emu().listFiles().length, 0);
      await emu().expireNow();
      assert.equal(existsSync(onDisk), false);
    } finally {
      emu().now = () => clock;
    }
  });

  it('keeps files across restarts when given a storage directory', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'emulator-storage-'));
    try {
      const first = await startEmulator({ apiKey: KEY, storageDir: dir });
      const bytes = randomBytes(50);
      assertSuccess(await uploadBase64(first, bytes, { uploadPath: 'kept', fileName: 'k.bin' }));
      await first.close();
      const second = await startEmulator({ apiKey: KEY, storageDir: dir });
      try {
        assert.deepEqual((await download(`${second.url}/files/kept/k.bin`)).bytes, bytes);
        assert.equal(second.listFiles().length, 1);
      } finally {
        await second.close();
      }
      assert.ok(existsSync(path.join(dir, 'files', 'kept', 'k.bin')), 'a given storage dir is kept');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removes its temporary storage on close', async () => {
    const temp = await startEmulator({ apiKey: KEY });
    assertSuccess(await uploadBase64(temp, randomBytes(10)));
    await temp.close();
    assert.equal(existsSync(temp.storageDir), false);
  });
});

describe('emulator: fault injection', () => {
  const emu = useEmulator();
  afterEach(() => emu().faults.clear());

  it('latencyMs delays every API response', async () => {
    emu().faults.latencyMs = 200;
    const started = Date.now();
    assertError(await call(emu(), BASE64, { body: '{}' }), 401);
    assert.ok(Date.now() - started >= 190);
  });

  it('failNext(n) fails the next n requests, then requests succeed again', async () => {
    emu().faults.failNext(2);
    assertError(await uploadBase64(emu(), randomBytes(10)), 500, /Internal server error/);
    assertError(await uploadBase64(emu(), randomBytes(10)), 500);
    assertSuccess(await uploadBase64(emu(), randomBytes(10)));
  });

  it('failNext supports 429 with Retry-After', async () => {
    emu().faults.failNext(1, 429, 'Slow down', { retryAfter: 3 });
    const response = await uploadBase64(emu(), randomBytes(10));
    assertError(response, 429, /^Slow down$/);
    assert.equal(response.headers.get('retry-after'), '3');
  });

  it('resetNext destroys the connection immediately or after some bytes', async () => {
    const files = emu().listFiles().length;
    emu().faults.resetNext(1);
    await assert.rejects(uploadForm(emu(), randomBytes(10), { uploadPath: 'reset' }));
    const before = emu().stats.bytesReceived;
    emu().faults.resetNext(1, 64 * 1024);
    await assert.rejects(uploadForm(emu(), randomBytes(1 << 20), { uploadPath: 'reset' }));
    const read = emu().stats.bytesReceived - before;
    assert.ok(read >= 64 * 1024 && read < 1 << 20, `read ${read} bytes`);
    assert.equal(emu().listFiles().length, files);
  });

  it('hangNext accepts a request and never answers it', async () => {
    emu().faults.hangNext(1);
    const requests = emu().stats.requests;
    const abort = new AbortController();
    const pending = uploadBase64Abortable(emu(), abort.signal);
    await waitFor(() => emu().stats.requests > requests, 'the request to arrive');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(emu().stats.inFlight, 1);
    assert.equal(emu().requestLog[emu().requestLog.length - 1].status, 0);
    abort.abort();
    await assert.rejects(pending);
    await waitFor(() => emu().stats.inFlight === 0, 'the abandoned request to be dropped');
  });

  it('slowResponseNext drips the (successful) response body', async () => {
    emu().faults.slowResponseNext(1, 100, 60);
    const started = Date.now();
    const data = assertSuccess(await uploadBase64(emu(), randomBytes(10)));
    const chunks = Math.ceil(Buffer.byteLength(JSON.stringify({ success: true, code: 200, msg: 'File uploaded successfully', data })) / 100);
    assert.ok(Date.now() - started >= (chunks - 1) * 60 - 20, `took ${Date.now() - started} ms`);
  });

  it('envelopeErrorNext answers HTTP 200 with success: false', async () => {
    emu().faults.envelopeErrorNext(1, 500, 'Upload failed internally');
    const response = await uploadBase64(emu(), randomBytes(10));
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { success: false, code: 500, msg: 'Upload failed internally' });
  });

  it('rawResponseNext answers arbitrary bytes', async () => {
    emu().faults.rawResponseNext(1, 502, '<html><body>Bad Gateway</body></html>', 'text/html');
    emu().faults.rawResponseNext(1, 200, '{"success":true,"code":200,"da');
    emu().faults.rawResponseNext(1, 200, '');
    const first = await fetch(`${emu().url}${BASE64}`, { method: 'POST', headers: AUTH, body: '{}' });
    assert.equal(first.status, 502);
    assert.equal(first.headers.get('content-type'), 'text/html');
    assert.match(await first.text(), /Bad Gateway/);
    const second = await fetch(`${emu().url}${BASE64}`, { method: 'POST', headers: AUTH, body: '{}' });
    assert.equal(await second.text(), '{"success":true,"code":200,"da');
    const third = await fetch(`${emu().url}${BASE64}`, { method: 'POST', headers: AUTH, body: '{}' });
    assert.equal((await third.arrayBuffer()).byteLength, 0);
  });

  it('faults are consumed in order, by API requests only, and clear() drops them', async () => {
    const data = assertSuccess(await uploadBase64(emu(), randomBytes(10)));
    emu().faults.failNext(1, 503);
    emu().faults.envelopeErrorNext(1);
    assert.equal((await download(data.fileUrl as string)).status, 200, 'downloads do not take faults');
    assert.equal(emu().faults.pending, 2);
    assertError(await uploadBase64(emu(), randomBytes(10)), 503);
    assert.equal((await uploadBase64(emu(), randomBytes(10))).body.success, false);
    emu().faults.failNext(5);
    emu().faults.latencyMs = 1000;
    emu().faults.clear();
    assert.equal(emu().faults.pending, 0);
    assertSuccess(await uploadBase64(emu(), randomBytes(10)));
  });

  it('stats count concurrent requests and bytes; requestLog records them', async () => {
    emu().faults.latencyMs = 150;
    emu().stats.resetMax();
    const requests = emu().stats.requests;
    const bytes = emu().stats.bytesReceived;
    await Promise.all(Array.from({ length: 5 }, () => uploadBase64(emu(), randomBytes(30))));
    assert.equal(emu().stats.maxInFlight, 5);
    assert.equal(emu().stats.inFlight, 0);
    assert.equal(emu().stats.requests, requests + 5);
    assert.ok(emu().stats.bytesReceived - bytes > 5 * 40);
    const last = emu().requestLog[emu().requestLog.length - 1];
    assert.equal(last.method, 'POST');
    assert.equal(last.path, BASE64);
    assert.equal(last.headers.authorization, `Bearer ${KEY}`);
    assert.equal(last.status, 200);
  });
});

/** A base64 upload whose request can be abandoned by the test. */
function uploadBase64Abortable(emu: Emulator, signal: AbortSignal): Promise<Response> {
  return fetch(`${emu.url}${BASE64}`, {
    method: 'POST',
    signal,
    headers: { ...AUTH, 'Content-Type': 'application/json' },
    body: JSON.stringify({ base64Data: 'aGVsbG8=', uploadPath: 'hang' }),
  });
}

describe('emulator: CLI', () => {
  /** Spawns the CLI and resolves with its first stdout line (or its exit, if it never prints). */
  function runCli(args: string[]): { child: ChildProcessWithoutNullStreams; firstLine: Promise<string>; exit: Promise<number | null>; stderr: () => string } {
    const child = spawn(process.execPath, [CLI, ...args]);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = once(child, 'exit').then(([code]) => code as number | null);
    const firstLine = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) {
          resolve(stdout.split('\n')[0]);
        }
      });
      void exit.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    return { child, firstLine, exit, stderr: () => stderr };
  }

  it('prints the listening line, serves uploads, and stops cleanly on SIGTERM', async () => {
    const cli = runCli(['--port', '0', '--api-key', 'k']);
    try {
      const line = await cli.firstLine;
      const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
      assert.ok(match, line);
      const response = await fetch(`${match[1]}${BASE64}`, {
        method: 'POST',
        headers: { Authorization: 'Bearer k', 'Content-Type': 'application/json' },
        body: JSON.stringify({ base64Data: 'aGVsbG8=', uploadPath: 'cli', fileName: 'hello.txt' }),
      });
      const body = (await response.json()) as ApiResponse['body'];
      assert.equal(body.success, true);
      assert.equal((await download((body.data as { fileUrl: string }).fileUrl)).bytes.toString(), 'hello');
    } finally {
      cli.child.kill('SIGTERM');
    }
    assert.equal(await cli.exit, 0);
  });

  it('exits 2 with usage when --api-key is missing', async () => {
    const cli = runCli(['--port', '0']);
    assert.equal(await cli.exit, 2);
    assert.match(cli.stderr(), /--api-key is required[\s\S]*usage:/);
  });

  it('exits 1 with a clear message when the port is in use', async () => {
    const taken = await startServer(() => undefined);
    try {
      const port = new URL(taken.url).port;
      const cli = runCli(['--port', port, '--api-key', 'k']);
      assert.equal(await cli.exit, 1);
      assert.match(cli.stderr(), new RegExp(`port ${port} is already in use`));
    } finally {
      await stopServer(taken.server);
    }
  });
});
