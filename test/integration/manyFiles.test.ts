import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { UploadOutcome } from '../../src/core/types';
import { formatBytes } from '../../src/core/validation';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, useEmulator, workspaceFile } from './helpers';

const FOLDER = 'many-files';
const COUNT = 20_000;

type WarningArgs = Parameters<typeof vscode.window.showWarningMessage>;

/** `COUNT` small files, each with its own content (its number), written 64 at a time. */
async function writeFolder(dir: string): Promise<number> {
  await fs.mkdir(dir, { recursive: true });
  let total = 0;
  let next = 0;
  const writer = async () => {
    while (next < COUNT) {
      const i = next++;
      const content = `file ${i} of a folder of ${COUNT}\n`;
      total += Buffer.byteLength(content);
      await fs.writeFile(join(dir, name(i)), content);
    }
  };
  await Promise.all(Array.from({ length: 64 }, writer));
  return total;
}

const name = (i: number) => `note-${String(i).padStart(5, '0')}.txt`;

describe(`a folder of ${COUNT.toLocaleString('en')} files`, function () {
  this.timeout(10 * 60_000);
  const window = vscode.window as { showWarningMessage: (...args: WarningArgs) => Thenable<unknown> };
  const original = window.showWarningMessage;
  let emulator: Emulator;
  let totalBytes = 0;

  before(async () => {
    emulator = await useEmulator();
    totalBytes = await writeFolder(workspaceFile(FOLDER).fsPath);
  });
  after(async () => {
    window.showWarningMessage = original;
    // The folder filled Recent Uploads to its limit with entries uploaded just now: the suites that
    // follow add entries dated in the past (an emulator clock turned back), which the limit would
    // drop at once behind these.
    // Removed, the entries written a moment before take their places (the list shows the newest
    // it has): removed again until none is left.
    for (let round = 0; round < 20; round++) {
      const mine = (await api()).history().filter((record) => record.fileName.startsWith('note-'));
      if (mine.length === 0) {
        break;
      }
      await vscode.commands.executeCommand('kieUpload.removeFromHistory', mine[0], mine);
      await new Promise((resolve) => setTimeout(resolve, 700)); // the history's next write
    }
    await fs.rm(workspaceFile(FOLDER).fsPath, { recursive: true, force: true });
    await cleanUp(emulator);
  });

  it('Upload to Kie shows the count and size before anything is sent, then uploads every file once', async () => {
    const { history, testing } = await api();
    const requestsBefore = emulator.stats.requests;
    const storedBefore = emulator.listFiles().length;
    const skippedBefore = testing.skippedSensitive.length;
    const confirmations: Array<{ message: string; requestsSoFar: number }> = [];
    window.showWarningMessage = (...args: WarningArgs) => {
      if ((args[1] as { modal?: boolean } | undefined)?.modal) {
        confirmations.push({ message: String(args[0]), requestsSoFar: emulator.stats.requests - requestsBefore });
        return Promise.resolve('Upload');
      }
      return Promise.resolve(undefined);
    };
    const dir = workspaceFile(FOLDER);
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFromExplorer', dir, [dir]);

    assert.equal(confirmations.length, 1, 'one confirmation for the folder');
    assert.equal(confirmations[0].message, `Upload ${COUNT} files (${formatBytes(totalBytes)}) from ${FOLDER}?`);
    assert.equal(confirmations[0].requestsSoFar, 0, 'nothing was sent before the answer');

    // Every file accounted for: one outcome each, in the folder's order, each with a link.
    assert.equal(outcomes.length, COUNT);
    const failed = outcomes.filter((outcome) => !outcome.record);
    assert.equal(failed.length, 0, `${failed.length} failed, the first: ${failed[0]?.source}: ${failed[0]?.error?.message}`);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.source.slice(outcome.source.lastIndexOf('/') + 1)),
      Array.from({ length: COUNT }, (_, i) => name(i)),
    );
    // …and each arrived once, with its own bytes.
    assert.equal(emulator.stats.requests - requestsBefore, COUNT, 'one request per file, no retries');
    const stored = emulator.listFiles().slice(storedBefore);
    assert.deepEqual(stored.map((file) => file.originalName).sort(), Array.from({ length: COUNT }, (_, i) => name(i)));
    for (const i of [0, 1234, COUNT - 1]) {
      const record = outcomes[i].record;
      assert.equal(await (await fetch(record!.url)).text(), `file ${i} of a folder of ${COUNT}\n`);
    }
    // The history keeps its limit, with the newest uploads.
    const limit = vscode.workspace.getConfiguration('kieUpload').get<number>('historyLimit', 200);
    const listed = history();
    assert.equal(listed.length, limit);
    assert.ok(listed.every((entry) => entry.fileName.startsWith('note-')), 'only this folder\'s uploads');
    assert.equal(testing.skippedSensitive.length, skippedBefore, 'nothing held back as a secret');
  });
});
