/**
 * The emulator's streaming base64 endpoint (test/emulator/base64Json.ts) against what it
 * replaced: reading the whole body, JSON.parse, then checking and decoding `base64Data` at once.
 * Random bodies, split into chunks at random places, must get the same answer: the same error
 * status and message, or the same stored bytes, MIME type and names.
 */
import * as assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { ApiError } from '../emulator/http';
import { checkFileName, checkUploadPath, chooseMimeType } from '../emulator/names';
import { FileStore } from '../emulator/store';
import { stageBase64, type UploadLimits } from '../emulator/uploads';

type Outcome = { status: number; msg: string } | { uploadPath: string; fileName?: string; mimeType: string; bytes: string };

/** The emulator's checks of base64Data before it streamed: the whole string at once. */
function decodeAtOnce(value: unknown, maxBytes?: number): { bytes: Buffer; mimeType?: string } {
  if (typeof value !== 'string' || value === '') {
    throw new ApiError(400, 'base64Data is required');
  }
  let payload = value;
  let mimeType: string | undefined;
  if (value.startsWith('data:')) {
    const comma = value.indexOf(',');
    const params = value.slice('data:'.length, comma).split(';');
    if (comma < 0 || params.pop()?.toLowerCase() !== 'base64') {
      throw new ApiError(400, 'base64Data is a data URL but not of the form data:<mime>;base64,<data>');
    }
    mimeType = params[0] || undefined;
    payload = value.slice(comma + 1);
  }
  payload = payload.replace(/\s+/g, '');
  if (payload.length === 0 || payload.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) {
    throw new ApiError(400, 'base64Data is not valid base64 (bad characters or padding)');
  }
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
  const size = (payload.length / 4) * 3 - padding;
  if (maxBytes !== undefined && size > maxBytes) {
    throw new ApiError(400, `Decoded file is ${size} bytes; the limit is ${maxBytes} bytes`);
  }
  return { bytes: Buffer.from(payload, 'base64'), mimeType };
}

function atOnce(body: Buffer, limits: UploadLimits): Outcome {
  if (body.length > limits.maxJsonBytes) {
    return { status: 413, msg: `Request body exceeds ${limits.maxJsonBytes} bytes` };
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, msg: 'Request body is not valid JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { status: 400, msg: 'Request body must be a JSON object' };
  }
  const members = json as Record<string, unknown>;
  try {
    const uploadPath = checkUploadPath(members.uploadPath);
    const fileName = checkFileName(members.fileName);
    const { bytes, mimeType } = decodeAtOnce(members.base64Data, limits.maxBase64Bytes);
    // A random name's extension comes from the MIME type, so the stored type follows from it.
    return { uploadPath, fileName, mimeType: chooseMimeType(mimeType, fileName ?? `x${extensionOf(mimeType)}`), bytes: bytes.toString('hex') };
  } catch (err) {
    return { status: (err as ApiError).status, msg: (err as ApiError).message };
  }
}

function extensionOf(mimeType: string | undefined): string {
  return mimeType?.toLowerCase() === 'image/png' ? '.png' : mimeType?.toLowerCase() === 'text/plain' ? '.txt' : '';
}

/** With `randomName`, the (random) file name is left out of the outcome. */
async function streamed(store: FileStore, chunks: Buffer[], limits: UploadLimits, randomName: boolean): Promise<Outcome> {
  try {
    const staged = await stageBase64({ body: Readable.from(chunks), headers: {}, store, limits, signal: new AbortController().signal });
    const bytes = await readFile(staged.tempPath);
    await rm(staged.tempPath);
    return { uploadPath: staged.uploadPath, fileName: randomName ? undefined : staged.fileName, mimeType: staged.mimeType, bytes: bytes.toString('hex') };
  } catch (err) {
    return { status: (err as ApiError).status, msg: (err as ApiError).message };
  }
}

// -------------------------------------------------------------------------------------------------
// Random bodies

const SPACES = [' ', '\n', '\r\n', '\t', '\u00a0', '\u2028', '\ufeff', '\u000b', '\f'];

/** A base64Data string value: mostly right, often wrong in one of the ways clients get it wrong. */
const base64TextArb = fc
  .record({
    bytes: fc.uint8Array({ maxLength: 200 }),
    prefix: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('', 'data:image/png;base64,', 'data:;base64,', 'data:text/plain;charset=utf-8;BASE64,') },
      { weight: 1, arbitrary: fc.constantFrom('data:image/png,', 'data:image/png;base64', 'data:', 'dat') },
    ),
    spaces: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...SPACES)), { maxLength: 4 }),
    urlSafe: fc.constantFrom('-', '_'),
    damage: fc.oneof(
      { weight: 3, arbitrary: fc.constant('none') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('strip-padding', 'extra-padding', 'triple-padding', 'bad-char', 'url-safe', 'padding-inside', 'non-ascii', 'empty', 'spaces-only'),
      },
    ),
  })
  .map(({ bytes, prefix, spaces, urlSafe, damage }) => {
    let payload = Buffer.from(bytes).toString('base64');
    switch (damage) {
      case 'strip-padding':
        payload = payload.replace(/=+$/, '');
        break;
      case 'extra-padding':
        payload += '=';
        break;
      case 'bad-char':
        payload = `${payload.slice(0, 3)}*${payload.slice(3)}`;
        break;
      case 'url-safe':
        {
          // The right length, with one character of the URL-safe alphabet well inside.
          const at = Math.floor(payload.length / 8) * 4;
          payload = `${payload.slice(0, at)}${urlSafe}AAA${payload.slice(at)}`;
        }
        break;
      case 'triple-padding':
        payload = `${payload.slice(0, -4)}A===`;
        break;
      case 'padding-inside':
        payload = `${payload.slice(0, 4)}==${payload.slice(4)}`;
        break;
      case 'non-ascii':
        payload = `${payload}é`;
        break;
      case 'empty':
        return prefix;
      case 'spaces-only':
        return `${prefix}  \n `;
    }
    for (const [at, space] of spaces) {
      const position = at % (payload.length + 1);
      payload = payload.slice(0, position) + space + payload.slice(position);
    }
    return prefix + payload;
  });

const otherValueArb = fc.oneof(
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxKeys: 3 }),
);

const memberArb = fc.oneof(
  { weight: 4, arbitrary: base64TextArb.map((value) => ['base64Data', value] as [string, unknown]) },
  { weight: 1, arbitrary: otherValueArb.map((value) => ['base64Data', value] as [string, unknown]) },
  { weight: 4, arbitrary: fc.constantFrom('images', 'a/b/', 'naïve/写真', '../up', '', 42).map((value) => ['uploadPath', value] as [string, unknown]) },
  { weight: 2, arbitrary: fc.constantFrom('shot.png', 'notes.txt', '../x', 'a/b', '', 7).map((value) => ['fileName', value] as [string, unknown]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('extra', 'base64data', '__proto__', 'é"\\\n'), otherValueArb) as fc.Arbitrary<[string, unknown]> },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('note', 'x'), fc.string({ maxLength: 20 })) as fc.Arbitrary<[string, unknown]> },
);

/** JSON text of a string, with some of the escapes other encoders use (`\/`, `\u00e9`, `\u0041`). */
function stringText(value: string, style: number): string {
  let text = JSON.stringify(value);
  if (style % 3 === 1) {
    text = text.replace(/\//g, '\\/');
  }
  if (style % 3 === 2) {
    text = text.replace(/[^\x20-\x7e]|[A-C]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  return text;
}

const styledMemberArb = fc.tuple(memberArb, fc.nat(5), fc.constantFrom('', ' ', '\n  ', '\t'));

const bodyArb = fc.record({
  // Usually a usable uploadPath and a base64Data, so that most bodies get as far as decoding.
  uploadPath: fc.option(fc.constantFrom('images', 'a/b/'), { freq: 6 }),
  base64Data: fc.option(base64TextArb, { freq: 10 }),
  members: fc.array(styledMemberArb, { maxLength: 4 }),
  damage: fc.oneof(
    { weight: 12, arbitrary: fc.constant('none') },
    { weight: 1, arbitrary: fc.constantFrom('truncate', 'raw-control', 'trailing', 'array', 'bom', 'empty', 'no-colon') },
    { weight: 1, arbitrary: fc.constant('lone-byte') },
  ),
  cut: fc.nat(),
  sizes: fc.array(fc.integer({ min: 1, max: 97 }), { maxLength: 8 }),
  maxJsonBytes: fc.oneof({ weight: 8, arbitrary: fc.constant(100_000) }, { weight: 1, arbitrary: fc.integer({ min: 10, max: 400 }) }),
  maxBase64Bytes: fc.option(fc.integer({ min: 0, max: 150 }), { freq: 4 }),
});

type Body = typeof bodyArb extends fc.Arbitrary<infer T> ? T : never;

function bodyText({ uploadPath, base64Data, members, damage, cut }: Body): Buffer {
  const all: Array<[[string, unknown], number, string]> = [...members];
  if (uploadPath !== null) {
    all.splice(cut % (all.length + 1), 0, [['uploadPath', uploadPath], cut, ' ']);
  }
  if (base64Data !== null) {
    all.splice((cut >> 3) % (all.length + 1), 0, [['base64Data', base64Data], cut >> 1, '']);
  }
  const parts = all.map(([[key, value], style, space]) => {
    const valueText = typeof value === 'string' ? stringText(value, style) : JSON.stringify(value);
    return `${space}${stringText(key, style)}${space}${damage === 'no-colon' ? '=' : ':'}${space}${valueText}${space}`;
  });
  let text = `{${parts.join(',')}}`;
  switch (damage) {
    case 'raw-control':
      text = text.replace(/("base64Data"\s*:\s*"[^"\\]{0,3})/, '$1\u0001');
      break;
    case 'trailing':
      text += ' x';
      break;
    case 'array':
      text = `[${text}]`;
      break;
    case 'bom':
      text = `\ufeff${text}`;
      break;
    case 'empty':
      text = ' ';
      break;
  }
  const body = Buffer.from(text, 'utf8');
  if (damage === 'lone-byte') {
    // A UTF-8 lead byte with no continuation, inside the base64Data string.
    const at = /"base64Data"\s*:\s*"/.exec(text);
    if (at) {
      const position = Buffer.byteLength(text.slice(0, at.index + at[0].length)) + 40 + (cut % 5); // past any data: prefix
      return Buffer.concat([body.subarray(0, position), Buffer.from([0xc3]), body.subarray(position)]);
    }
  }
  return damage === 'truncate' ? body.subarray(0, cut % body.length) : body;
}

function split(body: Buffer, sizes: number[]): Buffer[] {
  if (sizes.length === 0) {
    return [body];
  }
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < body.length; i++) {
    chunks.push(Buffer.from(body.subarray(offset, offset + sizes[i % sizes.length])));
    offset += sizes[i % sizes.length];
  }
  return chunks;
}

describe('emulator: streaming base64 upload', () => {
  let store: FileStore;
  before(async () => {
    store = await FileStore.open({ retentionMs: 3_600_000, now: Date.now });
  });
  after(async () => {
    await store.close();
  });

  it('answers as reading the whole body and decoding at once would, however the body is split', async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, async (spec) => {
        const limits: UploadLimits = {
          maxJsonBytes: spec.maxJsonBytes,
          maxBase64Bytes: spec.maxBase64Bytes ?? undefined,
          urlFetchTimeoutMs: 1000,
          urlFetchMaxBytes: 1000,
        };
        const body = bodyText(spec);
        const expected = atOnce(body, limits);
        const randomName = 'uploadPath' in expected && expected.fileName === undefined;
        // A lone UTF-8 lead byte is cut off by the chunk boundary half the time.
        const lone = body.findIndex((byte, i) => byte === 0xc3 && !(body[i + 1] >= 0x80 && body[i + 1] < 0xc0));
        const chunks = lone >= 0 && spec.cut % 2 ? [body.subarray(0, lone + 1), ...split(body.subarray(lone + 1), spec.sizes)] : split(body, spec.sizes);
        const actual = await streamed(store, chunks, limits, randomName);
        assert.deepEqual(actual, expected, body.toString('utf8'));
      }),
      { numRuns: 1500 },
    );
    assert.deepEqual(await readdir(path.join(store.root, 'tmp')), [], 'no temp file is left behind');
  });

  it('refuses the URL-safe alphabet and accepts the standard one, wherever the body is cut', async () => {
    const limits: UploadLimits = { maxJsonBytes: 10_000, urlFetchTimeoutMs: 1, urlFetchMaxBytes: 1 };
    const payload = Buffer.alloc(60, 0xfb).toString('base64'); // "+/+/..." for a change
    for (const [text, expected] of [
      [payload, { uploadPath: 'x', fileName: 'a.bin', mimeType: 'application/octet-stream', bytes: Buffer.alloc(60, 0xfb).toString('hex') }],
      [`${payload.slice(0, 40)}-AAA${payload.slice(40)}`, { status: 400, msg: 'base64Data is not valid base64 (bad characters or padding)' }],
      [`${payload.slice(0, 40)}_AAA${payload.slice(40)}`, { status: 400, msg: 'base64Data is not valid base64 (bad characters or padding)' }],
    ] as Array<[string, Outcome]>) {
      const body = Buffer.from(JSON.stringify({ uploadPath: 'x', fileName: 'a.bin', base64Data: text }));
      for (let cut = 1; cut < body.length; cut++) {
        assert.deepEqual(await streamed(store, [body.subarray(0, cut), body.subarray(cut)], limits, false), expected, `cut at ${cut}`);
      }
    }
  });

  it('decodes a large body in one pass to exactly its bytes', async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 1);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = (i * 2654435761) >>> 24;
    }
    const body = Buffer.from(JSON.stringify({ uploadPath: 'big', fileName: 'big.bin', base64Data: bytes.toString('base64') }));
    const limits: UploadLimits = { maxJsonBytes: body.length, urlFetchTimeoutMs: 1, urlFetchMaxBytes: 1 };
    const staged = await stageBase64({ body: Readable.from(split(body, [65536, 1000, 7])), headers: {}, store, limits, signal: new AbortController().signal });
    assert.deepEqual(await readFile(staged.tempPath), Buffer.from(bytes));
    assert.equal(staged.fileSize, bytes.length);
    await rm(staged.tempPath);
  });
});
