import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSmallFile, SMALL_FILE_BYTES } from '../../src/core/fileStat';

describe('readSmallFile', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'kie-small-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads a file of up to 64 KiB whole, byte for byte', async () => {
    for (const size of [1, 1000, SMALL_FILE_BYTES]) {
      const content = Buffer.alloc(size, `${size}-`);
      await fs.writeFile(join(dir, `f${size}`), content);
      assert.deepEqual(Buffer.from((await readSmallFile(join(dir, `f${size}`)))!), content);
    }
  });

  it('leaves everything else to the path with clear errors: larger, empty, a folder, missing, a FIFO (without waiting on it)', async () => {
    await fs.writeFile(join(dir, 'big'), Buffer.alloc(SMALL_FILE_BYTES + 1));
    await fs.writeFile(join(dir, 'empty'), '');
    await fs.mkdir(join(dir, 'folder'));
    assert.equal(await readSmallFile(join(dir, 'big')), undefined);
    assert.equal(await readSmallFile(join(dir, 'empty')), undefined);
    assert.equal(await readSmallFile(join(dir, 'folder')), undefined);
    assert.equal(await readSmallFile(join(dir, 'missing')), undefined);
    if (process.platform !== 'win32') {
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      // No writer will ever come: a blocking open would never return.
      assert.equal(await readSmallFile(join(dir, 'fifo')), undefined);
    }
  });
});
