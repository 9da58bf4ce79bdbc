import * as assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  describeSensitive,
  findSensitive,
  inspectFile,
  SENSITIVE_HEAD_BYTES,
  sensitiveByContent,
  sensitiveByName,
  userPatternMatcher,
} from '../../src/core/sensitive';

const ROOT = join(__dirname, '..', '..', '..');

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const chars = (alphabet: string, length: number) =>
  fc.array(fc.constantFrom(...alphabet.split('')), { minLength: length, maxLength: length }).map((list) => list.join(''));

/** Secrets of every listed kind, built at run time so that no real-looking secret sits in the repository. */
const plantedSecret = fc.oneof(
  chars(UPPER_DIGITS, 16).chain((tail) => fc.constantFrom('AKIA', 'ASIA').map((head) => head + tail)),
  fc.tuple(fc.constantFrom('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'), chars(ALNUM, 36)).map(([head, tail]) => head + tail),
  chars(ALNUM + '_', 50).map((tail) => 'github' + '_pat_' + tail),
  chars(ALNUM + '_-', 20).map((tail) => 'glpat' + '-' + tail),
  fc.tuple(fc.constantFrom('xoxb-', 'xoxp-', 'xoxa-', 'xoxs-'), chars(ALNUM + '-', 30)).map(([head, tail]) => head + tail),
  fc.tuple(fc.constantFrom('sk', 'rk'), chars(ALNUM, 24)).map(([head, tail]) => `${head}_live_${tail}`),
  chars(ALNUM + '_-', 35).map((tail) => 'AI' + 'za' + tail),
  fc.constantFrom('RSA ', 'EC ', 'DSA ', 'OPENSSH ', 'ENCRYPTED ', '').map((type) => `-----BEGIN ${type}PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END ${type}PRIVATE KEY-----\n`),
);

/** Text that cannot join up with a planted token (separators on both sides). */
const filler = fc.string({ maxLength: 300 }).map((text) => text.replace(/[A-Za-z0-9_-]/g, ' '));

describe('sensitive-file guard: names', () => {
  for (const name of [
    '.env',
    '.env.local',
    '.env.production',
    'id_rsa',
    'id_ed25519',
    'id_ecdsa',
    'id_dsa',
    'server.pem',
    'tls.key',
    'cert.p12',
    'cert.pfx',
    'vault.kdbx',
    '.npmrc',
    '.pypirc',
    '.netrc',
    '.git-credentials',
    'credentials.json',
    'kubeconfig',
    'prod.kubeconfig',
    'C:\\Users\\me\\.ssh\\id_rsa',
  ]) {
    it(`holds back ${name}`, () => {
      assert.ok(sensitiveByName(name), name);
    });
  }

  for (const path of ['/home/me/.aws/credentials', '/home/me/.kube/config', 'project/.aws/credentials']) {
    it(`holds back ${path} by its path`, () => {
      assert.ok(sensitiveByName(path), path);
    });
  }

  for (const name of ['.env.example', '.env.sample', '.env.template', 'id_rsa.pub', 'id_ed25519.pub', 'photo.png', 'notes.md', 'environment.ts', 'credentials.md', 'config', 'keys.txt', 'monkey.png', 'README.md']) {
    it(`lets ${name} through`, () => {
      assert.equal(sensitiveByName(name), undefined, name);
    });
  }

  it("adds the user's own globs: file names, and paths at any depth", () => {
    assert.ok(sensitiveByName('/w/notes/secret-plan.txt', ['*secret*']));
    assert.ok(sensitiveByName('/w/project/private/a.png', ['private/**']));
    assert.equal(sensitiveByName('/w/project/public/a.png', ['private/**']), undefined);
    assert.equal(sensitiveByName('/w/a.png', ['', '   ']), undefined);
    assert.equal(sensitiveByName('/w/a.png', 'not an array' as unknown as string[]), undefined);
  });

  it('matches user globs without regard to case', () => {
    assert.ok(userPatternMatcher(['*.SECRET'])('/w/a.secret'));
  });

  it('says what the file looks like it holds', () => {
    const found = sensitiveByName('id_rsa');
    assert.ok(found);
    assert.equal(describeSensitive('id_rsa', found), 'id_rsa looks like it holds a private key.');
  });
});

describe('sensitive-file guard: content', () => {
  it('catches every planted secret of the listed kinds, anywhere in the first 64 KiB', () => {
    fc.assert(
      fc.property(filler, plantedSecret, filler, (before, secret, after) => {
        const found = sensitiveByContent(Buffer.from(`${before}\n${secret}\n${after}`, 'latin1'));
        assert.ok(found, `missed ${JSON.stringify(secret)}`);
      }),
      { numRuns: 500 },
    );
  });

  it('catches a planted secret inside binary bytes too', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), plantedSecret, fc.uint8Array({ maxLength: 2000 }), (before, secret, after) => {
        const bytes = Buffer.concat([Buffer.from(before), Buffer.from(`\n${secret}\n`, 'latin1'), Buffer.from(after)]);
        assert.ok(sensitiveByContent(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('looks at no more than the first 64 KiB', () => {
    const late = Buffer.concat([Buffer.alloc(SENSITIVE_HEAD_BYTES, 0x20), Buffer.from('-----BEGIN PRIVATE KEY-----')]);
    assert.equal(sensitiveByContent(late), undefined);
    assert.ok(sensitiveByContent(late.subarray(SENSITIVE_HEAD_BYTES - 10)));
  });

  it('catches a kubeconfig by its content', () => {
    const text = 'apiVersion: v1\nkind: Config\nusers:\n- name: me\n  user:\n    token: abc\n';
    assert.ok(sensitiveByContent(Buffer.from(text)));
  });

  it('never throws on random names and bytes', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 4096 }), fc.array(fc.string(), { maxLength: 3 }), (name, bytes, globs) => {
        findSensitive(name, bytes, globs);
      }),
      { numRuns: 1000 },
    );
    assert.equal(sensitiveByContent(undefined as unknown as Uint8Array), undefined);
    assert.equal(sensitiveByName(undefined as unknown as string), undefined);
  });

  it('flags none of the project’s own media and fixture files', async () => {
    const files: string[] = [];
    for (const dir of ['media', 'media/screenshots', 'test/fixtures/workspace']) {
      for (const entry of await readdir(join(ROOT, dir), { recursive: true })) {
        const path = join(ROOT, dir, String(entry));
        if ((await stat(path)).isFile()) {
          files.push(path);
        }
      }
    }
    assert.ok(files.filter((path) => /\.(png|jpe?g|gif|svg|webp)$/i.test(path)).length >= 3, 'expected images among the checked files');
    for (const path of files) {
      assert.equal(await inspectFile(path), undefined, path);
    }
  });
});

describe('sensitive-file guard: files on disk', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kie-sensitive-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads the content of an innocent-looking name', async () => {
    const path = join(dir, 'notes.txt');
    await writeFile(path, `hello\n-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n`);
    assert.equal((await inspectFile(path))?.kind, 'private-key');
    assert.equal((await readFile(path, 'utf8')).startsWith('hello'), true, 'the file is left as it was');
  });

  it('judges a file it cannot read by its name only', async () => {
    assert.equal(await inspectFile(join(dir, 'missing.txt')), undefined);
    assert.ok(await inspectFile(join(dir, '.env')));
  });
});
