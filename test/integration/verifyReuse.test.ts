import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { UploadOutcome } from '../../src/core/types';
import type { ReuseQuestion } from '../../src/upload/reuseLinks';
import type { Emulator } from '../emulator/server';
import { jpegWithPlace } from '../fixtures/images';
import { api, cleanUp, TEST_KEY, uploadAgain, useEmulator, workspaceFile } from './helpers';

async function sha256Of(uri: vscode.Uri): Promise<string> {
  return createHash('sha256').update(await vscode.workspace.fs.readFile(uri)).digest('hex');
}

describe('verified links and reused uploads', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await useEmulator();
  });
  afterEach(async () => {
    (await api()).testing.answerReuse = uploadAgain;
  });
  after(() => cleanUp(emulator));

  it('records the SHA-256 of the bytes sent; Verify Link: identical, then changed once the name is uploaded over, then gone', async () => {
    const extension = await api();
    const file = workspaceFile('data.csv');
    const [outcome] = await extension.uploadFiles([file], { uploadPath: 'verify/one' });
    assert.ok(outcome.record, outcome.error?.message);
    assert.equal(outcome.record.sha256, await sha256Of(file));
    assert.equal(extension.history().find((record) => record.id === outcome.record!.id)?.sha256, outcome.record.sha256, 'kept in the history');
    assert.equal(await extension.verify(outcome.record.id), 'identical');
    assert.equal(await vscode.commands.executeCommand('kieUpload.verifyLink', outcome.record), 'identical');

    // Someone else (another machine, a script) uploads other bytes under the same folder and name:
    // the service replaces the file behind the link.
    const over = await fetch(`${emulator.url}/api/file-base64-upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ base64Data: Buffer.from('other bytes').toString('base64'), uploadPath: 'verify/one', fileName: outcome.record.fileName }),
    });
    assert.equal(over.status, 200);
    assert.equal(await extension.verify(outcome.record.id), 'changed');

    // The service deletes it (its clock past the retention) while the history still counts it live.
    emulator.setNow(() => Date.now() + 73 * 3_600_000);
    try {
      await emulator.expireNow();
    } finally {
      emulator.setNow(() => Date.now());
    }
    assert.equal(await extension.verify(outcome.record.id), 'gone');
  });

  it('a 48 MiB file, hashed off the extension host\'s thread, keeps its hash and verifies (its start used to give it up)', async () => {
    const extension = await api();
    const file = workspaceFile('large-verify.bin');
    await vscode.workspace.fs.writeFile(file, randomBytes(48 * 1024 * 1024));
    try {
      const [outcome] = await extension.uploadFiles([file], { uploadPath: 'verify/large' });
      assert.ok(outcome.record, outcome.error?.message);
      assert.equal(outcome.record.sha256, await sha256Of(file));
      assert.equal(await extension.verify(outcome.record.id), 'identical');
    } finally {
      await vscode.workspace.fs.delete(file);
    }
  });

  it('Verify Link offers Re-upload for a changed link only from the file\'s own source, never from the replaced link', async () => {
    const extension = await api();
    const overwrite = (record: { uploadPath: string; fileName: string }) =>
      fetch(`${emulator.url}/api/file-base64-upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ base64Data: Buffer.from('someone else').toString('base64'), uploadPath: record.uploadPath, fileName: record.fileName }),
      });
    const pasted = await extension.uploadData(new TextEncoder().encode('pasted, no file behind it'), 'pasted.txt', { uploadPath: 'verify/pasted' });
    const [local] = await extension.uploadFiles([workspaceFile('data.csv')], { uploadPath: 'verify/local' });
    assert.ok(pasted.record && local.record);
    assert.equal((await overwrite(pasted.record)).status, 200);
    assert.equal((await overwrite(local.record)).status, 200);
    const reports = extension.testing.verifyReports;
    const before = reports.length;
    const states = await vscode.commands.executeCommand('kieUpload.verifyLink', pasted.record, [pasted.record, local.record]);
    assert.deepEqual(states, ['changed', 'changed']);
    const deadline = Date.now() + 5000;
    while (reports.length === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const report = reports[before];
    assert.ok(report, 'the warning was shown');
    assert.deepEqual(report.reuploadable, ['data.csv'], 'the pasted bytes cannot come back from a link that serves someone else\'s');
    assert.match(report.message, /pasted\.txt now serves different bytes.*cannot be uploaded again/);
  });

  it('verify rejects clearly for an unknown id and for an upload without a hash', async () => {
    const extension = await api();
    await assert.rejects(extension.verify('no-such-id'), /There is no upload no-such-id in Recent Uploads/);
    const hosted = await extension.uploadData(new TextEncoder().encode('fetched by the service'), 'hosted.txt');
    assert.ok(hosted.record);
    const fetched = await extension.uploadUrl(hosted.record.url);
    assert.ok(fetched.record, fetched.error?.message);
    assert.equal(fetched.record.sha256, undefined, 'no bytes passed through this side');
    await assert.rejects(extension.verify(fetched.record.id), /no recorded hash to compare with/);
  });

  it('the API reuses a live link only with reuseLiveLink: true, and then sends nothing', async () => {
    const extension = await api();
    const file = workspaceFile('notes.md');
    const [first] = await extension.uploadFiles([file]);
    assert.ok(first.record, first.error?.message);
    const before = emulator.stats.requests;
    const [reused] = await extension.uploadFiles([file], { reuseLiveLink: true });
    assert.equal(reused.record?.id, first.record.id);
    assert.equal(emulator.stats.requests, before, 'nothing was sent');
    const [again] = await extension.uploadFiles([file]);
    assert.ok(again.record, again.error?.message);
    assert.notEqual(again.record.url, first.record.url, 'without the option it uploads again');
    assert.equal(emulator.stats.requests, before + 1);
  });

  it('a link that still serves a photo\'s place is not reused once its location would be removed', async () => {
    const extension = await api();
    const settings = vscode.workspace.getConfiguration('kieUpload');
    const photo = workspaceFile('with-place.jpg');
    await vscode.workspace.fs.writeFile(photo, await jpegWithPlace(320, 240));
    try {
      await settings.update('images.removeLocation', false, vscode.ConfigurationTarget.Global);
      const [asIs] = await extension.uploadFiles([photo]);
      assert.ok(asIs.record, asIs.error?.message);
      assert.deepEqual(asIs.record.notes ?? [], [], 'sent with its place, as the setting said then');
      await settings.update('images.removeLocation', undefined, vscode.ConfigurationTarget.Global);
      const before = emulator.stats.requests;
      const [again] = await extension.uploadFiles([photo], { reuseLiveLink: true });
      assert.ok(again.record, again.error?.message);
      assert.notEqual(again.record.url, asIs.record.url, 'the link with the place is not handed out');
      assert.equal(emulator.stats.requests, before + 1);
      assert.deepEqual(again.record.notes, ['location removed']);
      // And the upload made without the place is reused for the same photo.
      const [third] = await extension.uploadFiles([photo], { reuseLiveLink: true });
      assert.equal(third.record?.url, again.record.url);
      assert.equal(emulator.stats.requests, before + 1);
    } finally {
      await settings.update('images.removeLocation', undefined, vscode.ConfigurationTarget.Global);
      await vscode.workspace.fs.delete(photo);
    }
  });

  it('a person is offered Reuse Link for bytes with a live link; Upload Again sends them', async () => {
    const extension = await api();
    const file = workspaceFile('assets/a.txt');
    const [first] = await extension.uploadFiles([file]);
    assert.ok(first.record);
    const questions: ReuseQuestion[] = [];
    extension.testing.answerReuse = async (question) => (questions.push(question), 'reuse');
    const before = emulator.stats.requests;
    const [reused] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFromExplorer', file);
    assert.equal(reused.record?.id, first.record.id);
    assert.deepEqual(questions.map((question) => question.files.map((entry) => entry.name)), [['a.txt']]);
    assert.equal(emulator.stats.requests, before);

    extension.testing.answerReuse = async () => 'upload';
    const [fresh] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFromExplorer', file);
    assert.ok(fresh.record && fresh.record.id !== first.record.id);
    assert.equal(emulator.stats.requests, before + 1);
  });

  it('a file the sensitive-file guard holds back is never offered its live link', async () => {
    const extension = await api();
    const file = workspaceFile('reuse-guard/.env');
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('API_TOKEN=not-for-a-public-link\n'));
    const window = vscode.window as { showWarningMessage: (...args: unknown[]) => Thenable<unknown> };
    const original = window.showWarningMessage;
    try {
      // Someone sent it on purpose once: its bytes have a live link now.
      const [first] = await extension.uploadFiles([file], { allowSensitive: true });
      assert.ok(first.record, first.error?.message);
      const questions: ReuseQuestion[] = [];
      extension.testing.answerReuse = async (question) => (questions.push(question), 'reuse');
      const warnings: unknown[][] = [];
      window.showWarningMessage = (...args: unknown[]) => (warnings.push(args), Promise.resolve(undefined));
      const before = emulator.stats.requests;
      const [chosen] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFromExplorer', file, [file]);
      assert.deepEqual(questions, [], 'no Reuse Link offer');
      assert.match(String(warnings[0]?.[0]), /^\.env looks like it holds .* Upload it to a public link\?$/, 'the guard asks instead');
      assert.equal(chosen.error?.code, 'sensitive');
      const [automated] = await extension.uploadFiles([file], { reuseLiveLink: true });
      assert.equal(automated.error?.code, 'sensitive', 'the API hands out no link to it either');
      assert.equal(emulator.stats.requests, before, 'nothing was sent');
    } finally {
      window.showWarningMessage = original;
      await vscode.workspace.fs.delete(workspaceFile('reuse-guard'), { recursive: true });
    }
  });

  it('a paste of bytes with a live link inserts that link without sending them', async () => {
    const extension = await api();
    const bytes = new TextEncoder().encode('pasted twice');
    const [first] = [await extension.uploadData(bytes, 'clip.txt')];
    assert.ok(first.record);
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: '' });
    const editor = await vscode.window.showTextDocument(document);
    const transfer = new vscode.DataTransfer();
    transfer.set('files', new (class extends vscode.DataTransferItem {
      override asFile(): vscode.DataTransferFile {
        return { name: 'clip.txt', uri: undefined, data: async () => bytes };
      }
    })(''));
    const before = emulator.stats.requests;
    const settled = extension.testing.settledDropsAndPastes.length;
    const [edit] = (await extension.testing.dropPaste!.provideDocumentPasteEdits(document, [editor.selection], transfer, { only: undefined, triggerKind: vscode.DocumentPasteTriggerKind.Automatic })) ?? [];
    assert.ok(edit);
    extension.testing.dropPaste!.resolveDocumentPasteEdit(edit);
    await editor.insertSnippet(new vscode.SnippetString((edit.insertText as string).replace(/[$}\\]/g, '\\$&')));
    const deadline = Date.now() + 10_000;
    while (extension.testing.settledDropsAndPastes.length === settled && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(extension.testing.settledDropsAndPastes[settled]?.[0]?.record?.id, first.record.id);
    assert.equal(emulator.stats.requests, before, 'nothing was sent');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
