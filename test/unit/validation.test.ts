import * as assert from 'node:assert/strict';
import { validateBaseUrl } from '../../src/core/endpoint';
import { UploadError } from '../../src/core/errors';
import {
  BASE64_LIMIT_BYTES,
  checkBase64Size,
  normalizeUploadPath,
  sanitizeFileName,
  validateRemoteUrl,
} from '../../src/core/validation';

function rejects(fn: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UploadError, `expected an UploadError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (pattern) {
      assert.match(error.message, pattern);
    }
    return true;
  });
}

describe('validateRemoteUrl', () => {
  it('accepts absolute http and https URLs, trimming whitespace around them', () => {
    assert.equal(validateRemoteUrl('  https://example.com/a b.png \n'), 'https://example.com/a%20b.png');
    assert.equal(validateRemoteUrl('http://example.com/x'), 'http://example.com/x');
  });

  for (const [input, pattern] of [
    ['file:///etc/passwd', /file:/],
    ['ftp://example.com/a.png', /ftp:/],
    ['javascript:alert(1)', /javascript:/],
    ['data:text/plain;base64,aGk=', /data:/],
    ['example.com/a.png', /not an absolute URL/],
    ['/relative/path.png', /not an absolute URL/],
    ['', /Enter the URL/],
    ['   ', /Enter the URL/],
    ['https://user:secret@example.com/a.png', /user name or password/],
    ['https://user@example.com/a.png', /user name or password/],
  ] as const) {
    it(`refuses ${JSON.stringify(input)}`, () => rejects(() => validateRemoteUrl(input), 'invalid-input', pattern));
  }

  it('refuses a 10 KB URL', () => {
    rejects(() => validateRemoteUrl(`https://example.com/${'a'.repeat(10 * 1024)}`), 'invalid-input', /characters long/);
  });
});

describe('sanitizeFileName', () => {
  it('keeps ordinary, RTL and emoji names intact', () => {
    assert.equal(sanitizeFileName('report.pdf'), 'report.pdf');
    assert.equal(sanitizeFileName('שלום עולם.png'), 'שלום עולם.png');
    assert.equal(sanitizeFileName('مرحبا.txt'), 'مرحبا.txt');
    assert.equal(sanitizeFileName('🐱 cat 😀.jpg'), '🐱 cat 😀.jpg');
  });

  it('replaces path separators so a name can never climb out of its folder', () => {
    assert.equal(sanitizeFileName('a/b.png'), 'a_b.png');
    assert.equal(sanitizeFileName('a\\b.png'), 'a_b.png');
    assert.equal(sanitizeFileName('../../etc/passwd'), '.._.._etc_passwd');
  });

  it('removes control characters and bidi overrides', () => {
    assert.equal(sanitizeFileName('a\u0000b\nc\r\t.png'), 'abc.png');
    assert.equal(sanitizeFileName('invoice\u202Efdp.exe'), 'invoicefdp.exe');
  });

  it('refuses names that are empty or only dots once cleaned', () => {
    for (const name of ['', '   ', '.', '..', '\u0001\u0002', '...']) {
      rejects(() => sanitizeFileName(name), 'invalid-input', /not a usable file name/);
    }
  });

  it('caps names at 255 UTF-8 bytes, keeping the extension and whole characters', () => {
    const long = sanitizeFileName(`${'a'.repeat(300)}.png`);
    assert.equal(Buffer.byteLength(long), 255);
    assert.ok(long.endsWith('.png'));
    const emoji = sanitizeFileName(`${'😀'.repeat(100)}.jpg`);
    assert.ok(Buffer.byteLength(emoji) <= 255);
    assert.ok(emoji.endsWith('.jpg'));
    assert.ok(!emoji.includes('\uFFFD'));
    assert.equal([...emoji.slice(0, -4)].every((c) => c === '😀'), true);
  });
});

describe('normalizeUploadPath', () => {
  it('normalises separators, empty and dot segments', () => {
    assert.equal(normalizeUploadPath('images'), 'images');
    assert.equal(normalizeUploadPath('a//b/./c/'), 'a/b/c');
    assert.equal(normalizeUploadPath('a\\b'), 'a/b');
    assert.equal(normalizeUploadPath('  docs/2026  '), 'docs/2026');
  });

  it('refuses "..", absolute paths, control characters and emptiness', () => {
    rejects(() => normalizeUploadPath('a/../b'), 'invalid-input', /\.\./);
    rejects(() => normalizeUploadPath('..'), 'invalid-input', /\.\./);
    rejects(() => normalizeUploadPath('/etc'), 'invalid-input', /relative/);
    rejects(() => normalizeUploadPath('C:\\temp'), 'invalid-input', /relative/);
    rejects(() => normalizeUploadPath('a\nb'), 'invalid-input', /control/);
    rejects(() => normalizeUploadPath(''), 'invalid-input', /empty/);
    rejects(() => normalizeUploadPath('./.'), 'invalid-input', /names no folder/);
  });
});

describe('checkBase64Size', () => {
  it('allows up to the 10 MB base64 limit and refuses beyond it with advice', () => {
    checkBase64Size(BASE64_LIMIT_BYTES, 'big.bin');
    rejects(() => checkBase64Size(BASE64_LIMIT_BYTES + 1, 'big.bin'), 'too-large', /big\.bin.*stream/);
  });
});

describe('validateBaseUrl', () => {
  it('accepts https anywhere and http only on loopback', () => {
    assert.equal(validateBaseUrl('https://kieai.redpandaai.co/'), 'https://kieai.redpandaai.co');
    assert.equal(validateBaseUrl('http://127.0.0.1:8787'), 'http://127.0.0.1:8787');
    assert.equal(validateBaseUrl('http://localhost:1'), 'http://localhost:1');
    assert.equal(validateBaseUrl('http://[::1]:9/'), 'http://[::1]:9');
  });

  it('refuses http to other hosts, other schemes and credentials', () => {
    rejects(() => validateBaseUrl('http://example.com'), 'invalid-input', /unencrypted/);
    rejects(() => validateBaseUrl('http://10.0.0.1'), 'invalid-input', /unencrypted/);
    rejects(() => validateBaseUrl('ftp://example.com'), 'invalid-input', /https/);
    rejects(() => validateBaseUrl('https://u:p@example.com'), 'invalid-input', /credentials/);
    rejects(() => validateBaseUrl('not a url'), 'invalid-input', /not a valid URL/);
  });
});
