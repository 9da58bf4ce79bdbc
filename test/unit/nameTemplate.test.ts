import * as assert from 'node:assert/strict';
import { fillNameTemplate, nameTemplateProblem, usesHash } from '../../src/core/nameTemplate';

const context = {
  fileName: 'holiday photo.final.JPG',
  now: new Date(2026, 11, 4, 9, 5, 7),
  sha256: 'ab12cd34'.repeat(8),
  workspaceFolder: 'my-site',
  random: (size: number) => Uint8Array.from({ length: size }, (_, i) => i),
};

describe('naming templates', () => {
  it('fills every variable', () => {
    assert.equal(
      fillNameTemplate('${baseName}|${ext}|${fileName}|${date}|${date:YYYYMMDD-HHmmss}|${time}|${hash:10}|${random:5}|${workspaceFolder}', context),
      'holiday photo.final|JPG|holiday photo.final.JPG|2026-12-04|20261204-090507|090507|ab12cd34ab|abcde|my-site',
    );
  });

  it('a value never adds a folder to a file name', () => {
    assert.equal(fillNameTemplate('${workspaceFolder}-${baseName}', { ...context, workspaceFolder: 'a/b', fileName: '..' }), 'a-b--');
  });

  it('names what is wrong with a template', () => {
    assert.equal(nameTemplateProblem('${baseName}-${hash:8}.${ext}', 'fileName'), undefined);
    assert.equal(nameTemplateProblem('shots/${date:YYYY-MM}/${workspaceFolder}', 'uploadPath'), undefined);
    assert.match(nameTemplateProblem('${name}.png', 'fileName') ?? '', /\$\{name\} is not one of \$\{fileName\}/);
    assert.match(nameTemplateProblem('${hash}.png', 'fileName') ?? '', /needs a length from 1 to 64/);
    assert.match(nameTemplateProblem('${random:99}', 'fileName') ?? '', /from 1 to 32/);
    assert.match(nameTemplateProblem('${date:yyyy}', 'fileName') ?? '', /YYYY, MM, DD/);
    assert.match(nameTemplateProblem('shots/${fileName}', 'fileName') ?? '', /cannot contain "\/"/);
    assert.match(nameTemplateProblem('../${date}', 'uploadPath') ?? '', /relative, without "\.\."/);
    assert.match(nameTemplateProblem('${fileName', 'fileName') ?? '', /never closed/);
  });

  it('knows when the content must be hashed first', () => {
    assert.equal(usesHash('${baseName}-${hash:8}.${ext}'), true);
    assert.equal(usesHash('${baseName}-${random:8}.${ext}'), false);
    assert.equal(usesHash(undefined), false);
  });
});
