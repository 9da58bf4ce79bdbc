import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
      'dist/extension.js',
      'l10n/bundle.l10n.json',
      'media/activity-bar.svg',
      'media/icon.png',
      'media/screenshots/explorer-menu.png',
      'media/screenshots/recent-uploads.png',
      'media/walkthrough/apiKey.md',
      'media/walkthrough/markdown.md',
      'package.json',
      'package.nls.json',
      'readme.md',
    ]);
  });

  it('has no sources, tests, source maps or node_modules (undici is bundled)', () => {
    assert.equal(entries.filter((entry) => /(^|\/)(src|test|out|node_modules)\/|\.map$|\.ts$/.test(entry)).length, 0);
  });

  it('references only media files that exist in the package', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const referenced = new Set<string>([manifest.icon, ...JSON.stringify(manifest.contributes).match(/media\/[\w./-]+/g)!]);
    for (const file of referenced) {
      assert.ok(entries.includes(`extension/${file}`), `${file} is referenced but not packaged`);
    }
  });
});
