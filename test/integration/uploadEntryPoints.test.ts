import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { UploadOutcome } from '../../src/core/types';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, TEST_KEY, useEmulator, workspaceFile } from './helpers';

describe('upload entry points and their failure paths', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await useEmulator();
  });
  afterEach(async () => {
    emulator.faults.clear();
    await vscode.commands.executeCommand('kieUpload.setApiKey', TEST_KEY);
    await vscode.workspace.getConfiguration('kieUpload').update('maxConcurrentUploads', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(() => cleanUp(emulator));

  it('uploadActiveFile uploads the file of the active editor', async () => {
    await vscode.window.showTextDocument(workspaceFile('notes.md'));
    const outcome = await vscode.commands.executeCommand<UploadOutcome>('kieUpload.uploadActiveFile');
    assert.equal(outcome.record?.fileName, 'notes.md');
    assert.equal(outcome.source, workspaceFile('notes.md').toString());
  });

  it('uploadActiveFile saves unsaved changes first, so the link serves what the user sees', async () => {
    const editor = await vscode.window.showTextDocument(workspaceFile('data.csv'));
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'edited,'));
    const outcome = await vscode.commands.executeCommand<UploadOutcome>('kieUpload.uploadActiveFile');
    assert.ok(outcome.record, outcome.error?.message);
    assert.match(await (await fetch(outcome.record.url)).text(), /^edited,a,b/);
    assert.equal(editor.document.isDirty, false);
  });

  it('uploadUrl with a URL never prompts: the service fetches it and the outcome is returned', async () => {
    const origin = createServer((_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end('png bytes'));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/pictures/cat.png`;
      const outcome = await vscode.commands.executeCommand<UploadOutcome>('kieUpload.uploadUrl', url);
      assert.ok(outcome.record, outcome.error?.message);
      assert.equal(outcome.record.method, 'url');
      assert.equal(outcome.record.fileName, 'cat.png', 'the name comes from the URL');
      assert.equal(await (await fetch(outcome.record.url)).text(), 'png bytes');
      const named = await vscode.commands.executeCommand<UploadOutcome>('kieUpload.uploadUrl', url, { fileName: 'kitten.png', uploadPath: 'pets' });
      assert.equal(named.record?.fileName, 'kitten.png');
      assert.equal(named.record?.uploadPath, 'pets');
    } finally {
      origin.close();
    }
  });

  it('invalid input gets a clear error and sends nothing', async () => {
    const before = emulator.stats.requests;
    const javascript = await vscode.commands.executeCommand<UploadOutcome>('kieUpload.uploadUrl', 'javascript:alert(1)');
    assert.equal(javascript.error?.code, 'invalid-input');
    assert.match(javascript.error?.message ?? '', /http/);
    const [traversal] = await (await api()).uploadFiles([workspaceFile('notes.md')], { uploadPath: '../outside' });
    assert.equal(traversal.error?.code, 'invalid-input');
    const empty = await (await api()).uploadData(new Uint8Array(0), 'empty.bin');
    assert.equal(empty.error?.code, 'invalid-input');
    assert.equal(emulator.stats.requests, before);
  });

  it('a folder with no files: a clear message, no request, nothing recorded', async () => {
    const empty = workspaceFile('empty-folder');
    await vscode.workspace.fs.createDirectory(empty);
    const before = { requests: emulator.stats.requests, history: (await api()).history().length };
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', empty);
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0].error?.code, 'invalid-input');
    assert.match(outcomes[0].error?.message ?? '', /empty-folder has no files/);
    assert.equal(emulator.stats.requests, before.requests);
    assert.equal((await api()).history().length, before.history);
  });

  it('without a key: no-api-key for every file, no request, nothing recorded', async () => {
    await vscode.commands.executeCommand('kieUpload.clearApiKey');
    const before = { requests: emulator.stats.requests, history: (await api()).history().length };
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', [workspaceFile('notes.md'), workspaceFile('data.csv')]);
    assert.deepEqual(outcomes.map((outcome) => outcome.error?.code), ['no-api-key', 'no-api-key']);
    assert.equal(emulator.stats.requests, before.requests);
    assert.equal((await api()).history().length, before.history);
  });

  it('a rejected key: unauthorized, not retried, nothing recorded', async () => {
    await vscode.commands.executeCommand('kieUpload.setApiKey', 'rejected-key-000');
    const before = { requests: emulator.stats.requests, history: (await api()).history().length };
    const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', workspaceFile('notes.md'));
    assert.equal(outcome.error?.code, 'unauthorized');
    assert.equal(emulator.stats.requests, before.requests + 1);
    assert.equal((await api()).history().length, before.history);
  });

  it('one failure in a batch does not stop the others', async () => {
    await vscode.workspace.getConfiguration('kieUpload').update('maxConcurrentUploads', 1, vscode.ConfigurationTarget.Global);
    emulator.faults.failNext(1, 400, 'Unsupported file format');
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', [workspaceFile('notes.md'), workspaceFile('data.csv'), workspaceFile('diagram.png')]);
    assert.equal(outcomes[0].error?.code, 'bad-request');
    assert.match(outcomes[0].error?.message ?? '', /Unsupported file format/);
    assert.deepEqual(outcomes.slice(1).map((outcome) => outcome.record?.fileName), ['data.csv', 'diagram.png']);
  });

  it('a server error is retried, then reported with the attempts', async () => {
    emulator.faults.failNext(5, 500, 'Storage unavailable');
    const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', workspaceFile('notes.md'));
    assert.equal(outcome.error?.code, 'server');
    assert.match(outcome.error?.message ?? '', /Storage unavailable.*2 attempts/);
  });

  it('Cancel Uploads stops the uploads in flight; nothing is recorded for them', async () => {
    emulator.faults.hangNext(1);
    const before = (await api()).history().length;
    const pending = vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', workspaceFile('diagram.png'));
    const deadline = Date.now() + 10_000;
    while (emulator.stats.inFlight === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await vscode.commands.executeCommand('kieUpload.cancelUploads'), 1);
    const [outcome] = await pending;
    assert.equal(outcome.error?.code, 'cancelled');
    assert.equal((await api()).history().length, before);
  });

  it('files that are not on a local disk are read through the editor and sent as base64', async () => {
    const provider = new MemoryFileSystem(new Map([['/remote/hello.txt', Buffer.from('from a virtual file system')]]));
    const registration = vscode.workspace.registerFileSystemProvider('kietest', provider, { isReadonly: true });
    try {
      const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', vscode.Uri.parse('kietest:/remote/hello.txt'));
      assert.ok(outcome.record, outcome.error?.message);
      assert.equal(outcome.record.method, 'base64');
      assert.equal(await (await fetch(outcome.record.url)).text(), 'from a virtual file system');
    } finally {
      registration.dispose();
    }
  });

  it('unique-folder naming: two uploads of the same name get two links, both still valid', async () => {
    const first = await (await api()).uploadData(Buffer.from('first'), 'same.txt');
    const second = await (await api()).uploadData(Buffer.from('second'), 'same.txt');
    assert.ok(first.record && second.record);
    assert.notEqual(first.record.url, second.record.url);
    assert.ok(first.record.url.endsWith('/same.txt'));
    assert.equal(await (await fetch(first.record.url)).text(), 'first');
    assert.equal(await (await fetch(second.record.url)).text(), 'second');
  });

  it('logs retries and failures without the key', async () => {
    const { testing } = await api();
    assert.ok(testing.logLines.some((line) => /retry 1 of 1/.test(line)), 'the retry is in the log');
    assert.ok(!testing.logLines.join('\n').includes(TEST_KEY));
  });

  it('afterUpload = insertMarkdownLink puts the link at the cursor of the Markdown editor', async () => {
    await vscode.workspace.getConfiguration('kieUpload').update('afterUpload', 'insertMarkdownLink', vscode.ConfigurationTarget.Global);
    try {
      const editor = await vscode.window.showTextDocument(workspaceFile('notes.md'));
      editor.selection = new vscode.Selection(editor.document.lineAt(editor.document.lineCount - 1).range.end, editor.document.lineAt(editor.document.lineCount - 1).range.end);
      const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', workspaceFile('diagram.png'));
      assert.ok(outcome.record);
      const deadline = Date.now() + 5000;
      while (!editor.document.getText().includes(outcome.record.url) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(editor.document.getText().includes(`![diagram](${outcome.record.url})`), editor.document.getText());
    } finally {
      await vscode.workspace.getConfiguration('kieUpload').update('afterUpload', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});

/** A read-only in-memory file system: a workspace file that is not on the local disk. */
class MemoryFileSystem implements vscode.FileSystemProvider {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  constructor(private readonly files: Map<string, Uint8Array>) {}
  stat(uri: vscode.Uri): vscode.FileStat {
    const data = this.files.get(uri.path);
    if (!data) {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
    return { type: vscode.FileType.File, ctime: 0, mtime: 0, size: data.byteLength };
  }
  readFile(uri: vscode.Uri): Uint8Array {
    const data = this.files.get(uri.path);
    if (!data) {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
    return data;
  }
  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }
  readDirectory(): [string, vscode.FileType][] {
    return [];
  }
  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions();
  }
  writeFile(): void {
    throw vscode.FileSystemError.NoPermissions();
  }
  delete(): void {
    throw vscode.FileSystemError.NoPermissions();
  }
  rename(): void {
    throw vscode.FileSystemError.NoPermissions();
  }
}
