/**
 * The emulator's batched file writer (test/emulator/fileWriter.ts), which puts stream uploads
 * (the file part busboy hands over) and URL downloads on disk.
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileWriter } from '../emulator/fileWriter';

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
