import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { UploadOutcome, UploadRecord } from '../../src/core/types';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, useEmulator, workspaceFile } from './helpers';

const HOUR = 3_600_000;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('Download to workspace: an existing file survives every failure', () => {
  let emulator: Emulator;
  let hosted: UploadRecord;
  const hostedBytes = randomBytes(512 * 1024);
  const original = Buffer.from('the only copy of the file the user uploaded\n'.repeat(200));
  const folder = workspaceFile('download-trust');
  const destination = vscode.Uri.joinPath(folder, 'keep.bin');

  const download = (item: UploadRecord) => vscode.commands.executeCommand<vscode.Uri[]>('kieUpload.downloadToWorkspace', item, destination);

  async function assertUntouched(): Promise<void> {
    assert.equal(sha256(await fs.readFile(destination.fsPath)), sha256(original), 'the existing file changed');
    assert.deepEqual(await fs.readdir(folder.fsPath), ['keep.bin'], 'a temporary file was left behind');
  }

  before(async () => {
    emulator = await useEmulator();
    const outcome = await (await api()).uploadData(hostedBytes, 'hosted.bin', { method: 'stream' });
    assert.ok(outcome.record, outcome.error?.message);
    hosted = outcome.record;
    await fs.mkdir(folder.fsPath, { recursive: true });
  });
  beforeEach(async () => {
    emulator.faults.clear();
    await fs.writeFile(destination.fsPath, original);
  });
  after(async () => {
    await fs.rm(folder.fsPath, { recursive: true, force: true });
    await cleanUp(emulator);
  });

  it('a dead link (the service deleted the file) leaves the existing file byte for byte as it was', async () => {
    // Uploaded "100 hours ago": expired, so the service answers 404 for its link.
    emulator.setNow(() => Date.now() - 100 * HOUR);
    const outcome = await (await api()).uploadData(Buffer.from('short-lived'), 'dead.bin');
    emulator.setNow(Date.now);
    assert.ok(outcome.record, outcome.error?.message);
    assert.equal((await fetch(outcome.record.downloadUrl)).status, 404);
    assert.deepEqual(await download(outcome.record), []);
    await assertUntouched();
  });

  it('a connection reset mid-body leaves the existing file as it was', async () => {
    emulator.faults.resetDownloadNext(1, 128 * 1024);
    assert.deepEqual(await download(hosted), []);
    assert.equal(emulator.faults.pendingDownloads, 0, 'the download met the reset');
    await assertUntouched();
  });

  it('Cancel Uploads stops a download mid-body (it shows in the status bar) and leaves the existing file as it was', async () => {
    emulator.faults.stallDownloadNext(1, 128 * 1024);
    const pending = download(hosted);
    // The body so far sits in a temporary file beside the destination, which has not changed.
    await until(async () => {
      const names = await fs.readdir(folder.fsPath);
      const temporary = names.find((name) => name !== 'keep.bin');
      return temporary && (await fs.stat(vscode.Uri.joinPath(folder, temporary).fsPath)).size >= 128 * 1024 ? temporary : undefined;
    }, 'the first 128 KB to arrive');
    assert.equal(sha256(await fs.readFile(destination.fsPath)), sha256(original), 'the existing file changed while the body was arriving');
    assert.equal(await vscode.commands.executeCommand('kieUpload.cancelUploads'), 1, 'Cancel Uploads found the download in flight');
    assert.deepEqual(await pending, []);
    await assertUntouched();
  });

  it('a successful download replaces the existing file in one step', async () => {
    const before = await fs.stat(destination.fsPath);
    const saved = await download(hosted);
    assert.deepEqual(saved.map(String), [destination.toString()]);
    assert.equal(sha256(await fs.readFile(destination.fsPath)), sha256(hostedBytes));
    // Replaced by a rename (a new file took its place), never truncated and rewritten in place.
    assert.notEqual((await fs.stat(destination.fsPath)).ino, before.ino);
    assert.deepEqual(await fs.readdir(folder.fsPath), ['keep.bin']);
  });
});

describe('A mixed batch reports its failures at once', () => {
  let emulator: Emulator;
  type Show = (message: string, ...rest: unknown[]) => Thenable<unknown>;
  const window = vscode.window as unknown as { showInformationMessage: Show; showErrorMessage: Show };
  const originals = { info: window.showInformationMessage, error: window.showErrorMessage };

  before(async () => {
    emulator = await useEmulator();
  });
  after(async () => {
    window.showInformationMessage = originals.info;
    window.showErrorMessage = originals.error;
    await cleanUp(emulator);
  });

  it('shows the failure summary while the success notification is still open', async () => {
    const shown: string[] = [];
    // The success notification is never closed, as when the user leaves it alone.
    window.showInformationMessage = (message) => (shown.push(`info: ${message}`), new Promise(() => undefined));
    window.showErrorMessage = (message) => (shown.push(`error: ${message}`), Promise.resolve(undefined));
    await vscode.workspace.getConfiguration('kieUpload').update('maxConcurrentUploads', 1, vscode.ConfigurationTarget.Global);
    emulator.faults.failNext(1, 400, 'unsupported format');
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', workspaceFile('notes.md'), [workspaceFile('notes.md'), workspaceFile('data.csv')]);
    assert.deepEqual(outcomes.map((outcome) => Boolean(outcome.record)), [false, true]);
    // Both are asked for within moments (the clipboard write before the success message takes at most 1.5 s).
    for (const deadline = Date.now() + 5000; shown.length < 2 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(shown.some((line) => line.startsWith('info: Uploaded data.csv')), JSON.stringify(shown));
    assert.ok(shown.some((line) => line.startsWith('error: 1 of 2 uploads failed') && line.includes('unsupported format')), JSON.stringify(shown));
  });
});
