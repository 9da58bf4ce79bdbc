/**
 * The emulator's own multipart parser (test/emulator/multipart.ts) against busboy, which it
 * replaced for speed: random forms, split into chunks at random places, must give the same fields,
 * the same files with the same bytes, the same limit events, and fail where busboy fails.
 * And the batched file writer behind it.
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import busboy from 'busboy';
import fc from 'fast-check';
import { FileWriter } from '../emulator/fileWriter';
import { MultipartParser, multipartBoundary, type MultipartLimits } from '../emulator/multipart';

type Event =
  | ['field', string | undefined, string | undefined, boolean, string]
  | ['file', string | undefined, string | undefined, string, string, Buffer]
  | ['limit', string];

interface Outcome {
  error: boolean;
  events: Event[];
}

function fileEvent(name: string | undefined, filename: string | undefined, mimeType: string, encoding: string): Event {
  return ['file', name, filename, mimeType, encoding, Buffer.alloc(0)];
}

function appendToFile(event: Event, data: Buffer): void {
  event[5] = Buffer.concat([event[5] as Buffer, data]);
}

function withBusboy(contentType: string, chunks: Buffer[], limits: MultipartLimits): Promise<Outcome> {
  const events: Event[] = [];
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8', limits });
  } catch {
    return Promise.resolve({ error: true, events });
  }
  return new Promise((resolve) => {
    parser.on('field', (name, value, info) => events.push(['field', name, value, info.valueTruncated, info.mimeType]));
    parser.on('file', (name, stream, info) => {
      const event = fileEvent(name, info.filename, info.mimeType, info.encoding);
      events.push(event);
      stream.on('data', (data: Buffer) => appendToFile(event, data));
      stream.on('error', () => undefined);
    });
    parser.on('partsLimit', () => events.push(['limit', 'parts']));
    parser.on('fieldsLimit', () => events.push(['limit', 'fields']));
    parser.on('error', () => resolve({ error: true, events }));
    parser.on('close', () => resolve({ error: false, events }));
    for (const chunk of chunks) {
      parser.write(chunk);
    }
    parser.end();
  });
}

function withParser(contentType: string, chunks: Buffer[], limits: MultipartLimits): Outcome {
  const events: Event[] = [];
  let current: Event | undefined;
  try {
    const parser = new MultipartParser(multipartBoundary(contentType), limits, {
      field: (name, value, info) => events.push(['field', name, value, info.truncated, info.mimeType]),
      fileStart(name, info) {
        current = fileEvent(name, info.filename, info.mimeType, info.encoding);
        events.push(current);
        return true;
      },
      fileData: (data) => appendToFile(current as Event, data),
      fileEnd: () => undefined,
      limit: (kind) => events.push(['limit', kind]),
    });
    for (const chunk of chunks) {
      parser.write(chunk);
    }
    parser.end();
    return { error: false, events };
  } catch {
    return { error: true, events };
  }
}

/** `body` cut into pieces of the given sizes (repeated as needed). */
function split(body: Buffer, sizes: number[]): Buffer[] {
  if (sizes.length === 0) {
    return [body];
  }
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < body.length; i++) {
    const size = sizes[i % sizes.length];
    // Fresh copies: a parser may keep views of what it was given.
    chunks.push(Buffer.from(body.subarray(offset, offset + size)));
    offset += size;
  }
  return chunks;
}

// -------------------------------------------------------------------------------------------------
// Random forms

const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** RFC 2046 boundary characters beyond the token ones; they need a quoted boundary. */
const QUOTED_BOUNDARY_CHARS = "()+_,-./:=? '";

const boundaryArb = fc.oneof(
  fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 70 }),
  fc.constant('------------------------d74496d66958873e'), // curl
  fc.constant('----formdata-undici-0123456789'),
  fc.string({ unit: fc.constantFrom(...TOKEN_CHARS, ...QUOTED_BOUNDARY_CHARS), minLength: 1, maxLength: 40 }),
);

function contentTypeFor(boundary: string, variant: number): string {
  const quotedNeeded = [...boundary].some((c) => !TOKEN_CHARS.includes(c));
  const value = quotedNeeded || variant % 2 ? `"${boundary}"` : boundary;
  switch (variant % 4) {
    case 0:
      return `multipart/form-data; boundary=${value}`;
    case 1:
      return `Multipart/Form-Data;boundary=${value}`;
    case 2:
      return `multipart/form-data; charset=utf-8; BOUNDARY=${value}`;
    default:
      return `multipart/form-data ;\tboundary=${value}; foo="bar"`;
  }
}

const textArb = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'abcXYZ019 -_.'), maxLength: 12 }),
  // Quotes, backslashes and control characters are covered by the fixed names below.
  fc.string({ unit: 'grapheme', maxLength: 8 }).filter((s) => ![...s].some((c) => c === '"' || c === '\\' || c.charCodeAt(0) < 0x20 || c === '\x7f')),
  fc.constantFrom('file', 'uploadPath', 'fileName', 'naïve', '写真', ''),
);

/** One `name=…`-style parameter, in the forms real clients (and odd ones) send. */
const dispositionParamArb = fc.oneof(
  textArb.map((name) => `name="${name}"`),
  fc.constantFrom('name=file', 'name=uploadPath', 'NAME="fileName"', 'name="a\\"b\\\\c"', 'name="\\x"'),
  textArb.map((name) => `filename="${name}.png"`),
  fc.constantFrom(
    'filename="photo.png"',
    'filename=photo.png',
    'filename=""',
    'filename="C:\\\\Users\\\\me\\\\photo.png"',
    'filename="../../etc/passwd"',
    'filename=".."',
    'filename="%22quoted%22.txt"',
    "filename*=UTF-8''na%C3%AFve%20photo.png",
    "filename*=utf-8'en'%E2%82%AC%20rates.pdf",
    "filename*=iso-8859-1''caf%E9.txt",
    "filename*=UTF-8''",
    "filename*=UTF-8''bad%2",
    "filename*=UTF-8'en",
    'filename="unterminated',
  ),
);

const contentTypeArb = fc.constantFrom(
  undefined,
  'image/png',
  'application/octet-stream',
  'text/plain',
  'text/plain; charset=latin1',
  'text/plain; charset=UTF-16LE',
  'TEXT/Plain; Charset="UTF-8"',
  'application/json',
  'garbage',
  '',
);

interface PartSpec {
  disposition: 'form-data' | 'FORM-DATA' | 'attachment' | 'none';
  params: string[];
  contentType: string | undefined;
  encoding: string | undefined;
  extra: boolean;
  folded: boolean;
  upperNames: boolean;
  content: Uint8Array;
  nearMisses: Array<[number, number]>;
}

const partArb: fc.Arbitrary<PartSpec> = fc.record({
  disposition: fc.constantFrom('form-data', 'form-data', 'form-data', 'FORM-DATA', 'attachment', 'none'),
  params: fc.array(dispositionParamArb, { maxLength: 3 }),
  contentType: contentTypeArb,
  encoding: fc.constantFrom(undefined, 'binary', 'BASE64'),
  extra: fc.boolean(),
  folded: fc.boolean(),
  upperNames: fc.boolean(),
  content: fc.uint8Array({ maxLength: 200 }),
  // [position in content, length of the delimiter prefix to plant there]
  nearMisses: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }),
});

/** `null` most of the time, else a value of `arb`. */
function sometimes<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: 8 }, { arbitrary: arb, weight: 1 });
}

const formArb = fc.record({
  boundary: boundaryArb,
  variant: fc.nat(3),
  preamble: fc.constantFrom('', '', 'This is the preamble.\r\n', '\r\n'),
  parts: fc.array(partArb, { maxLength: 6 }),
  epilogue: fc.constantFrom('', '\r\n', '\r\nepilogue\r\n--x--'),
  close: fc.constantFrom('--', '--', '--', '--', '-x', ''), // how the last boundary line ends
  truncateAt: sometimes(fc.nat()),
  malformedHeader: sometimes(fc.constantFrom('Bad Header', ': empty name', 'X-Bare: lf\nhere', 'X-Cr: \rx')),
  sizes: fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 12 }),
  limits: fc.record({ fieldSize: fc.integer({ min: 1, max: 120 }), fields: fc.integer({ min: 0, max: 6 }), parts: fc.integer({ min: 1, max: 8 }) }),
});

/** Content with prefixes of the delimiter planted in it, each followed by a byte that breaks it. */
function plant(content: Uint8Array, nearMisses: Array<[number, number]>, delimiter: Buffer): Buffer {
  let bytes = Buffer.from(content);
  for (const [at, length] of nearMisses) {
    const prefixLength = 1 + (length % (delimiter.length - 1));
    const breaker = delimiter[prefixLength] === 0x41 ? 0x42 : 0x41;
    const position = bytes.length === 0 ? 0 : at % bytes.length;
    bytes = Buffer.concat([bytes.subarray(0, position), delimiter.subarray(0, prefixLength), Buffer.from([breaker]), bytes.subarray(position)]);
  }
  return bytes;
}

type Form = typeof formArb extends fc.Arbitrary<infer T> ? T : never;

function buildBody(form: Form): Buffer {
  const delimiter = Buffer.from(`\r\n--${form.boundary}`, 'latin1');
  const pieces: Buffer[] = [Buffer.from(form.preamble), Buffer.from(`--${form.boundary}`, 'latin1')];
  form.parts.forEach((part, index) => {
    const headers: string[] = [];
    if (part.disposition !== 'none') {
      const params = part.params.map((param) => `;${part.folded ? '\r\n ' : ' '}${param}`).join('');
      headers.push(`${part.upperNames ? 'CONTENT-DISPOSITION' : 'Content-Disposition'}: ${part.disposition}${params}`);
    }
    if (part.contentType !== undefined) {
      headers.push(`${part.upperNames ? 'content-type' : 'Content-Type'}:${part.contentType}`);
    }
    if (part.encoding) {
      headers.push(`Content-Transfer-Encoding: ${part.encoding}`);
    }
    if (part.extra) {
      headers.push('X-Extra:   padded value\t');
    }
    if (form.malformedHeader !== null && index === 0) {
      headers.push(form.malformedHeader);
    }
    pieces.push(Buffer.from(`\r\n${headers.join('\r\n')}\r\n\r\n`, 'utf8'), plant(part.content, part.nearMisses, delimiter));
    pieces.push(Buffer.from(`\r\n--${form.boundary}`, 'latin1'));
  });
  pieces.push(Buffer.from(form.close), Buffer.from(form.epilogue));
  const body = Buffer.concat(pieces);
  return form.truncateAt === null ? body : body.subarray(0, form.truncateAt % (body.length + 1));
}

// -------------------------------------------------------------------------------------------------

describe('emulator: multipart parser', () => {
  it('agrees with busboy on random forms split at random places', async () => {
    await fc.assert(
      fc.asyncProperty(formArb, async (form) => {
        const contentType = contentTypeFor(form.boundary, form.variant);
        const body = buildBody(form);
        const expected = await withBusboy(contentType, split(body, form.sizes), form.limits);
        const actual = withParser(contentType, split(body, form.sizes), form.limits);
        assert.equal(actual.error, expected.error, `error: busboy ${expected.error}, parser ${actual.error}`);
        if (!expected.error) {
          assert.deepEqual(actual.events, expected.events);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('gives the same result byte by byte as in one piece', () => {
    fc.assert(
      fc.property(formArb, (form) => {
        const contentType = contentTypeFor(form.boundary, form.variant);
        const body = buildBody(form);
        assert.deepEqual(withParser(contentType, split(body, [1]), form.limits), withParser(contentType, [body], form.limits));
      }),
      { numRuns: 300 },
    );
  });

  it('reads the forms of curl, undici and Python requests', async () => {
    const limits = { fieldSize: 64 * 1024, fields: 32, parts: 64 };
    const forms: Array<[string, string]> = [
      [
        'multipart/form-data; boundary=------------------------d74496d66958873e',
        '--------------------------d74496d66958873e\r\nContent-Disposition: form-data; name="file"; filename="sample-image.jpg"\r\n' +
          'Content-Type: image/jpeg\r\n\r\nJPEGDATA\r\n--------------------------d74496d66958873e\r\n' +
          'Content-Disposition: form-data; name="uploadPath"\r\n\r\nimages\r\n--------------------------d74496d66958873e--\r\n',
      ],
      [
        'multipart/form-data; boundary=----formdata-undici-021498473117',
        '------formdata-undici-021498473117\r\nContent-Disposition: form-data; name="file"; filename="%22na%C3%AFve%22 \xc3\xa9.png"\r\n' +
          'Content-Type: image/png\r\n\r\nPNG\r\n------formdata-undici-021498473117--',
      ],
      [
        'multipart/form-data; boundary=4e1e6f0b7bd1b2ad3f6f5f0a8cbb0c3c',
        '--4e1e6f0b7bd1b2ad3f6f5f0a8cbb0c3c\r\nContent-Disposition: form-data; name="uploadPath"\r\n\r\npy\r\n' +
          '--4e1e6f0b7bd1b2ad3f6f5f0a8cbb0c3c\r\nContent-Disposition: form-data; name="file"; filename="original.png"\r\n\r\nDATA\r\n' +
          '--4e1e6f0b7bd1b2ad3f6f5f0a8cbb0c3c--\r\n',
      ],
    ];
    for (const [contentType, text] of forms) {
      const body = Buffer.from(text, 'latin1');
      const expected = await withBusboy(contentType, [body], limits);
      assert.equal(expected.error, false);
      assert.deepEqual(withParser(contentType, split(body, [7, 3]), limits), expected);
    }
  });

  it('hands file bytes over as views of the chunks it was given, not copies', () => {
    const body = Buffer.from('--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n' + 'x'.repeat(1000) + '\r\n--b--');
    const views: Buffer[] = [];
    const parser = new MultipartParser('b', { fieldSize: 10, fields: 1, parts: 4 }, {
      field: () => undefined,
      fileStart: () => true,
      fileData: (data) => views.push(data),
      fileEnd: () => undefined,
      limit: () => undefined,
    });
    parser.write(body);
    parser.end();
    assert.equal(Buffer.concat(views).toString(), 'x'.repeat(1000));
    assert.ok(views.every((view) => view.buffer === body.buffer));
  });

  it('explains what is wrong with the request Content-Type', () => {
    assert.throws(() => multipartBoundary('multipart/form-data'), /Boundary not found/);
    assert.throws(() => multipartBoundary('multipart/form-data; boundary='), /Malformed content type/);
    assert.throws(() => multipartBoundary(undefined), /Malformed content type/);
    assert.equal(multipartBoundary('multipart/form-data; boundary="a b"'), 'a b');
  });
});

describe('emulator: file writer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'file-writer-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every chunk in order, asks for a pause above the high-water mark and for more after', async () => {
    let drains = 0;
    const writer = new FileWriter(path.join(dir, 'out.bin'), { onDrain: () => drains++ }, { highWaterMark: 1000 });
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(100, i));
    const answers = chunks.map((chunk) => writer.write(chunk));
    assert.equal(answers.indexOf(false), 9, 'the tenth 100-byte chunk reaches 1000 pending bytes');
    assert.equal(await writer.finish(), 5000);
    assert.ok(drains >= 1);
    assert.deepEqual(await readFile(path.join(dir, 'out.bin')), Buffer.concat(chunks));
  });

  it('removes the file when aborted, even while it is still being opened', async () => {
    const file = path.join(dir, 'aborted.bin');
    const writer = new FileWriter(file);
    writer.write(Buffer.alloc(10));
    await writer.abort();
    assert.equal(existsSync(file), false);
  });

  it('reports an existing file as an error and never touches it', async () => {
    const file = path.join(dir, 'taken.bin');
    await writeFile(file, 'keep me');
    const errors: Error[] = [];
    const writer = new FileWriter(file, { onError: (err) => errors.push(err) });
    writer.write(Buffer.from('overwrite'));
    await assert.rejects(writer.finish(), /EEXIST/);
    assert.equal(errors.length, 1);
    assert.equal(await readFile(file, 'utf8'), 'keep me', 'the writer removes only a file it created');
  });
});
