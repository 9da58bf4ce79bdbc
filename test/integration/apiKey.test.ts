import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, everythingStoredOutsideSecrets, TEST_KEY, useEmulator, workspaceFile } from './helpers';

describe('API key and the exported API against the emulator', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await useEmulator();
  });
  after(() => cleanUp(emulator));

  it('uploads through the exported API with the stored key and adds the record to history()', async () => {
    const extensionApi = await api();
    let changes = 0;
    const subscription = extensionApi.onDidChangeHistory(() => changes++);
    const [outcome] = await extensionApi.uploadFiles([workspaceFile('diagram.png')]);
    subscription.dispose();
    assert.equal(outcome.error, undefined, outcome.error?.message);
    assert.ok(outcome.record);
    assert.equal(outcome.record.fileName, 'diagram.png');
    assert.equal(outcome.record.mimeType, 'image/png');
    assert.equal(outcome.source, workspaceFile('diagram.png').toString());
    assert.equal(extensionApi.history()[0].url, outcome.record.url);
    assert.ok(changes >= 1, 'onDidChangeHistory fired');
    const served = Buffer.from(await (await fetch(outcome.record.url)).arrayBuffer());
    assert.ok(served.equals(await fs.readFile(workspaceFile('diagram.png').fsPath)));
    assert.equal(emulator.requestLog.at(-1)?.headers.authorization, `Bearer ${TEST_KEY}`);
  });

  it('setApiKey with an argument never prompts and replaces the key; clearApiKey removes it', async () => {
    const extensionApi = await api();
    assert.equal(await vscode.commands.executeCommand('kieUpload.setApiKey', 'another-key-42'), true);
    const rejected = await extensionApi.uploadData(Buffer.from('x'), 'a.txt');
    assert.equal(rejected.error?.code, 'unauthorized', 'the emulator only knows the test key');

    await vscode.commands.executeCommand('kieUpload.clearApiKey');
    const noKey = await extensionApi.uploadData(Buffer.from('x'), 'a.txt');
    assert.equal(noKey.error?.code, 'no-api-key');

    assert.equal(await vscode.commands.executeCommand('kieUpload.setApiKey', TEST_KEY), true);
    const ok = await extensionApi.uploadData(Buffer.from('x'), 'a.txt');
    assert.equal(ok.error, undefined, ok.error?.message);
  });

  it('refuses a malformed key given as an argument and keeps the old one', async () => {
    const extensionApi = await api();
    assert.equal(await vscode.commands.executeCommand('kieUpload.setApiKey', 'has spaces in it'), false);
    const ok = await extensionApi.uploadData(Buffer.from('y'), 'b.txt');
    assert.equal(ok.error, undefined, 'the previous key is still in use');
  });

  it('never writes the key to settings, global or workspace state, or the log', async () => {
    const { testing } = await api();
    const stored = everythingStoredOutsideSecrets(testing);
    assert.ok(testing.logLines.length > 0, 'the log has lines to scan');
    for (const key of [TEST_KEY, 'another-key-42']) {
      assert.ok(!stored.includes(key), `the key ${key} was found outside SecretStorage`);
    }
  });
});
