import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { base64Chunks, base64JsonBody, fileSource, memorySource, multipartBody, type RequestBody } from '../../src/core/bodies';

async function collect(body: RequestBody): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body.chunks()) {
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

async function* inPieces(data: Uint8Array, sizes: number[]): AsyncIterable<Uint8Array> {
  let offset = 0;
  for (const size of sizes) {
    if (offset >= data.byteLength) {
      break;
    }
    yield data.subarray(offset, offset + size);
    offset += size;
  }
  if (offset < data.byteLength) {
    yield data.subarray(offset);
  }
}

describe('request bodies', () => {
  it('encodes base64 incrementally, identical to encoding at once, however the input is split', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 60 }), async (data, sizes) => {
        const parts: Buffer[] = [];
        for await (const chunk of base64Chunks(inPieces(data, sizes))) {
          parts.push(Buffer.from(chunk));
        }
        assert.equal(Buffer.concat(parts).toString('latin1'), Buffer.from(data).toString('base64'));
      }),
      { numRuns: 300 },
    );
  });

  it('announces the exact length of the base64 JSON body, which parses back to the file', async () => {
    for (const size of [1, 2, 3, 4, 65535, 196608, 196609, 500_001]) {
      const data = Buffer.alloc(size, 7);
      data[size - 1] = 200;
      const body = base64JsonBody(memorySource(data), 'image/png', { uploadPath: 'a/b', fileName: 'x "quoted".png' });
      const bytes = await collect(body);
      assert.equal(bytes.byteLength, body.contentLength, `size ${size}`);
      const json = JSON.parse(bytes.toString('utf8'));
      assert.equal(json.uploadPath, 'a/b');
      assert.equal(json.fileName, 'x "quoted".png');
      assert.ok(json.base64Data.startsWith('data:image/png;base64,'));
      assert.ok(Buffer.from(json.base64Data.slice('data:image/png;base64,'.length), 'base64').equals(data));
    }
  });

  it('encodes a file read from disk in reused buffers to exactly its own base64', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'kie-body-'));
    try {
      for (const size of [196_608 * 2, 196_608 * 3 + 1, 700_001]) {
        const path = join(dir, `random-${size}.bin`);
        const data = randomBytes(size);
        await fs.writeFile(path, data);
        const bytes = await collect(base64JsonBody(fileSource(path, size), 'application/octet-stream', { uploadPath: 'p' }));
        const json = JSON.parse(bytes.toString('utf8'));
        assert.ok(Buffer.from(json.base64Data.slice('data:application/octet-stream;base64,'.length), 'base64').equals(data), `size ${size}`);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('streams a multipart body from disk with an exact Content-Length and the documented fields', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'kie-body-'));
    try {
      const path = join(dir, 'data.bin');
      const data = Buffer.alloc(300_000, 1);
      await fs.writeFile(path, data);
      const body = multipartBody(fileSource(path, data.byteLength), { name: 'data.bin', type: 'application/octet-stream' }, { uploadPath: 'p', fileName: 'data.bin' });
      const bytes = await collect(body);
      assert.equal(bytes.byteLength, body.contentLength);
      const boundary = /boundary=(.+)$/.exec(body.contentType)?.[1];
      assert.ok(boundary, body.contentType);
      const text = bytes.toString('latin1');
      assert.match(text, /Content-Disposition: form-data; name="file"; filename="data.bin"\r\nContent-Type: application\/octet-stream\r\n\r\n/);
      assert.match(text, /name="uploadPath"\r\n\r\np\r\n/);
      assert.match(text, /name="fileName"\r\n\r\ndata.bin\r\n/);
      assert.match(text.slice(-boundary.length - 10), new RegExp(`\r\n--${boundary}--\r\n`));
      assert.ok(bytes.includes(data));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a file in chunks that stay intact until the next is requested, up to the announced size', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'kie-body-'));
    try {
      const path = join(dir, 'blocks.bin');
      const data = randomBytes(1_000_000);
      await fs.writeFile(path, data);
      // Sizes: one chunk, several, a last partial chunk, and less than the file (a file that grew).
      for (const [size, chunkSize] of [[1, 65536], [65536, 65536], [1_000_000, 65536], [999_999, 100_000], [300_001, 4096]]) {
        let offset = 0;
        for await (const chunk of fileSource(path, size).read(chunkSize)) {
          // Give a read ahead the time to land: it must not land in the chunk just handed out.
          await new Promise((resolve) => setTimeout(resolve, 1));
          assert.ok(Buffer.from(chunk).equals(data.subarray(offset, offset + chunk.byteLength)), `size ${size}, chunk at ${offset} was overwritten`);
          assert.ok(chunk.byteLength === chunkSize || offset + chunk.byteLength === size, `size ${size}: a short chunk at ${offset} before the end`);
          offset += chunk.byteLength;
        }
        assert.equal(offset, size);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('stops at the end of a file that shrank below the announced size, without an error', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'kie-body-'));
    try {
      const path = join(dir, 'short.bin');
      await fs.writeFile(path, Buffer.alloc(150_000, 9));
      let total = 0;
      for await (const chunk of fileSource(path, 400_000).read(65536)) {
        total += chunk.byteLength;
      }
      assert.equal(total, 150_000, 'undici then reports the Content-Length mismatch');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
