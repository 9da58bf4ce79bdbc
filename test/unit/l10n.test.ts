import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

describe('localization', function () {
  this.timeout(60_000);

  it('l10n/bundle.l10n.json holds exactly the strings of the sources (run npm run l10n after changing one)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kie-l10n-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/@vscode/l10n-dev/dist/cli.js'), 'export', '--outDir', dir, join(ROOT, 'src')], { cwd: ROOT, stdio: 'pipe' });
      const fresh = JSON.parse(readFileSync(join(dir, 'bundle.l10n.json'), 'utf8'));
      const committed = JSON.parse(readFileSync(join(ROOT, 'l10n/bundle.l10n.json'), 'utf8'));
      assert.deepEqual(committed, fresh);
      assert.ok(Object.keys(fresh).length > 50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every %key% of the manifest has an English string', () => {
    const manifest = readFileSync(join(ROOT, 'package.json'), 'utf8');
    const strings = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8'));
    const keys = [...manifest.matchAll(/"%([\w.]+)%"/g)].map((match) => match[1]);
    assert.ok(keys.length > 20);
    assert.deepEqual(keys.filter((key) => typeof strings[key] !== 'string'), []);
  });
});
