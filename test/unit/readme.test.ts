import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readmeWithTable } from '../docs/settingsTable';

const ROOT = resolve(__dirname, '../../..');

describe('README', () => {
  it('has the settings table generated from package.json (run npm run docs:settings after changing a setting)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    assert.equal(readme, readmeWithTable(readme));
  });

  it('lists every contributed command by its title', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const strings: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8'));
    const hidden = new Set((manifest.contributes.menus.commandPalette as Array<{ command: string; when: string }>).filter((entry) => entry.when === 'false').map((entry) => entry.command));
    for (const command of manifest.contributes.commands as Array<{ command: string; title: string }>) {
      if (!hidden.has(command.command)) {
        const title = strings[command.title.slice(1, -1)];
        assert.ok(readme.includes(title.replace('…', '')), `README does not mention "${title}" (${command.command})`);
      }
    }
  });
});

describe('ARCHITECTURE.md', () => {
  it('maps every file and folder of src/, and nothing that is not there', () => {
    const text = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    const map = text.slice(text.indexOf('<!-- architecture:start'), text.indexOf('<!-- architecture:end'));
    const mapped = new Set([...map.matchAll(/^\| \*{0,2}`(src\/[^`]+)`/gm)].map((match) => match[1].replace(/\/$/, '')));
    const actual = new Set<string>();
    for (const entry of readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name).slice(ROOT.length + 1).replace(/\\/g, '/');
      actual.add(path);
    }
    assert.deepEqual([...actual].filter((path) => !mapped.has(path)).sort(), [], 'in src/ but not in the map');
    assert.deepEqual([...mapped].filter((path) => !actual.has(path)).sort(), [], 'in the map but not in src/');
  });
});
