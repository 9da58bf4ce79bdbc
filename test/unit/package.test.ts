import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { codecs } from '../../src/core/images/optimize/codecs';
import { settleUpload } from '../../src/core/outcome';
import { nullLogger } from '../../src/core/types';

const ROOT = resolve(__dirname, '../../..');

describe('the packaged VSIX', function () {
  this.timeout(120_000);
  let entries: string[] = [];

  before(() => {
    // Exactly what `npm run package` ships.
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'pipe' });
    entries = execFileSync('unzip', ['-Z1', join(ROOT, 'kie-file-upload.vsix')], { encoding: 'utf8' }).split('\n').filter(Boolean);
  });

  it('ships only the bundle, the manifest, its strings, the docs and the media it uses', () => {
    const shipped = entries.filter((entry) => entry.startsWith('extension/')).map((entry) => entry.slice('extension/'.length)).sort();
    assert.deepEqual(shipped, [
      'LICENSE.txt',
      'changelog.md',
      'dist/engine.js',
      'dist/extension.js',
      'dist/images.js',
      'dist/mozjpeg_dec.wasm',
      'dist/mozjpeg_enc.wasm',
      'dist/squoosh_oxipng_bg.wasm',
      'dist/squoosh_png_bg.wasm',
      'dist/squoosh_resize_bg.wasm',
      'dist/webp_dec.wasm',
      'dist/webp_enc.wasm',
      'l10n/bundle.l10n.json',
      'media/activity-bar.svg',
      'media/icon.png',
      'media/screenshots/agent-confirmation.png',
      'media/screenshots/explorer-menu.png',
      'media/screenshots/markdown-insert.png',
      'media/screenshots/recent-uploads.png',
      'media/screenshots/upload-notification.png',
      'media/walkthrough/apiKey.md',
      'media/walkthrough/markdown.md',
      'package.json',
      'package.nls.json',
      'readme.md',
    ]);
  });

  it('stays within 2 MB with the image codecs, which only dist/images.js carries and which optimise from dist/', async () => {
    assert.ok(statSync(join(ROOT, 'kie-file-upload.vsix')).size <= 2_000_000, 'the VSIX is at most 2 MB');
    for (const bundle of ['dist/extension.js', 'dist/engine.js']) {
      assert.doesNotMatch(readFileSync(join(ROOT, bundle), 'utf8'), /mozjpeg|squoosh/, `${bundle} carries no codec`);
    }
    assert.match(readFileSync(join(ROOT, 'dist/engine.js'), 'utf8'), /require\("\.\/images\.js"\)/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const images = require(join(ROOT, 'dist/images.js')) as typeof import('../../src/core/images/optimize');
    const pixels = new Uint8ClampedArray(600 * 400 * 4).map((_, i) => (i * 37) % 251);
    const png = await (await codecs()).encode('png', { data: pixels, width: 600, height: 400 }, 100);
    const result = await images.optimizeImage(png, 'tiny.png', { kind: 'preset', maxWidth: 100, quality: 82, format: 'webp' });
    assert.equal(result.error, undefined, 'the bundled codecs load their .wasm from dist/');
    assert.equal(result.fileName, 'tiny.webp');
  });

  it('leaves the engine to dist/engine.js, which the extension bundle requires only when needed', () => {
    const extension = readFileSync(join(ROOT, 'dist/extension.js'), 'utf8');
    assert.doesNotMatch(extension, /undici|mime-db|form-data-encoder/);
    assert.match(extension, /require\("\.\/engine\.js"\)/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const engine = require(join(ROOT, 'dist/engine.js')) as Record<string, unknown>;
    assert.deepEqual(
      ['KieClient', 'mimeExtension', 'proxyFor'].map((name) => typeof engine[name]),
      ['function', 'function', 'function'],
    );
  });

  it("reports the engine bundle's failures by their kind to the extension's code", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const engine = require(join(ROOT, 'dist/engine.js')) as typeof import('../../src/core/engine');
    const client = new engine.KieClient({ baseUrl: 'https://api.example.com', uploadPath: 'docs', retentionHours: 72 }, { getApiKey: async () => 'key' });
    const missing = join(ROOT, 'test/fixtures/no-such-file.png');
    const outcome = await settleUpload(missing, () => client.uploadFile(missing), nullLogger);
    assert.equal(outcome.error?.code, 'not-found');
    assert.match(outcome.error?.message ?? '', /no-such-file\.png cannot be read/);
  });

  it("shows the engine's messages in the editor's language once it is given the translations", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const engine = require(join(ROOT, 'dist/engine.js')) as typeof import('../../src/core/engine');
    const bundle = JSON.parse(readFileSync(join(ROOT, 'l10n/bundle.l10n.json'), 'utf8')) as Record<string, string>;
    const english = '{0} cannot be read: {1}.';
    assert.equal(bundle[english], english, 'the message is in the l10n bundle');
    const client = new engine.KieClient({ baseUrl: 'https://api.example.com', uploadPath: 'docs', retentionHours: 72 }, { getApiKey: async () => 'key' });
    const missing = join(ROOT, 'test/fixtures/no-such-file.png');
    try {
      engine.useTranslations({ [english]: '{0} kann nicht gelesen werden: {1}.' });
      const outcome = await settleUpload(missing, () => client.uploadFile(missing), nullLogger);
      assert.match(outcome.error?.message ?? '', /^no-such-file\.png kann nicht gelesen werden: /);
    } finally {
      engine.useTranslations({});
    }
  });

  it('has no sources, tests, source maps or node_modules (undici is bundled)', () => {
    assert.equal(entries.filter((entry) => /(^|\/)(src|test|out|node_modules)\/|\.map$|\.ts$/.test(entry)).length, 0);
  });

  it("ships every image the README shows (VS Code's extension page reads them from the package)", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^[a-z]+:/i.test(target) && /\.(png|gif|jpe?g|svg|webp)$/i.test(target));
    assert.ok(images.length >= 4, `README images: ${images.join(', ')}`);
    for (const image of images) {
      assert.ok(entries.includes(`extension/${image}`), `${image} is shown in the README but not packaged`);
    }
  });

  it('references only media files that exist in the package', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const referenced = new Set<string>([manifest.icon, ...JSON.stringify(manifest.contributes).match(/media\/[\w./-]+/g)!]);
    for (const file of referenced) {
      assert.ok(entries.includes(`extension/${file}`), `${file} is referenced but not packaged`);
    }
  });
});
