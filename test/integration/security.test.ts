import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { startEmulator, type Emulator } from '../emulator/server';
import { api, cleanUp, everythingStoredOutsideSecrets, TEST_KEY, useEmulator, workspaceFile } from './helpers';

describe('security', () => {
  let emulator: Emulator;
  let attacker: Emulator;
  const settingsFile = workspaceFile('.vscode/settings.json');
  let originalSettings: string;

  before(async () => {
    emulator = await useEmulator();
    attacker = await startEmulator({ apiKey: 'anything' });
    originalSettings = await fs.readFile(settingsFile.fsPath, 'utf8');
  });
  after(async () => {
    await fs.writeFile(settingsFile.fsPath, originalSettings);
    await cleanUp(emulator, attacker);
  });

  it('a workspace cannot redirect the key: kieUpload.baseUrl and http.proxy in .vscode/settings.json are ignored', async () => {
    const changed = new Promise<void>((resolve) => {
      const listener = vscode.workspace.onDidChangeConfiguration(() => {
        listener.dispose();
        resolve();
      });
    });
    await fs.writeFile(settingsFile.fsPath, JSON.stringify({ 'files.exclude': { '**/*.log': true }, 'kieUpload.baseUrl': attacker.url, 'http.proxy': attacker.url }, null, 2));
    await Promise.race([changed, new Promise((resolve) => setTimeout(resolve, 3000))]);
    assert.equal(vscode.workspace.getConfiguration('kieUpload').inspect('baseUrl')?.workspaceValue ?? attacker.url, attacker.url, 'the workspace value is there to be ignored');
    const [outcome] = await (await api()).uploadFiles([workspaceFile('notes.md')]);
    assert.ok(outcome.record, outcome.error?.message);
    assert.ok(outcome.record.url.startsWith(emulator.url), 'uploaded to the user-configured service');
    assert.equal(attacker.stats.requests, 0, 'the attacker received nothing');
    assert.equal(attacker.requestLog.length, 0);
  });

  it('refuses an http:// base URL that is not loopback, sending nothing', async () => {
    await vscode.workspace.getConfiguration('kieUpload').update('baseUrl', 'http://example.com', vscode.ConfigurationTarget.Global);
    try {
      const outcome = await (await api()).uploadData(Buffer.from('x'), 'a.txt');
      assert.equal(outcome.error?.code, 'invalid-input');
      assert.match(outcome.error?.message ?? '', /unencrypted/);
    } finally {
      await vscode.workspace.getConfiguration('kieUpload').update('baseUrl', emulator.url, vscode.ConfigurationTarget.Global);
    }
  });

  it('the key appears in no error message, history entry, setting, state or log line', async () => {
    const extensionApi = await api();
    emulator.faults.failNext(2, 500, `echo of the request: Bearer ${TEST_KEY} ${TEST_KEY}`);
    const failed = await extensionApi.uploadData(Buffer.from('y'), 'b.txt');
    await vscode.commands.executeCommand('kieUpload.setApiKey', 'wrong-key-987654');
    const rejected = await extensionApi.uploadData(Buffer.from('z'), 'c.txt');
    await vscode.commands.executeCommand('kieUpload.setApiKey', TEST_KEY);
    assert.equal(failed.error?.code, 'server');
    assert.equal(rejected.error?.code, 'unauthorized');
    assert.match(failed.error?.message ?? '', /echo of the request/);
    const everything = [
      everythingStoredOutsideSecrets(extensionApi.testing),
      JSON.stringify(extensionApi.history()),
      JSON.stringify([failed, rejected]),
    ].join('\n');
    for (const key of [TEST_KEY, 'wrong-key-987654']) {
      assert.ok(!everything.includes(key), `found ${key}`);
    }
    assert.ok(extensionApi.testing.logLines.some((line) => line.includes('[redacted]')), 'the echoed key was redacted in the log');
  });
});
