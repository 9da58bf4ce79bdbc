import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { UploadOutcome } from '../../src/core/types';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, useEmulator } from './helpers';

describe('batch URL uploads', () => {
  let emulator: Emulator;
  let origin: Server;
  let base: string;

  before(async () => {
    emulator = await useEmulator();
    origin = createServer((request, response) => {
      if (request.url?.startsWith('/gone/')) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'image/png' }).end(`bytes of ${request.url}`);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await vscode.workspace.getConfiguration('kieUpload').update('naming', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    origin.close();
    await cleanUp(emulator);
  });

  it('uploadUrls: one outcome per entry; an invalid entry and a repeat send nothing more', async () => {
    const extension = await api();
    const before = emulator.stats.requests;
    const historyBefore = extension.history().length;
    const outcomes = await extension.uploadUrls([`${base}/a/one.png`, 'not a url', `${base}/b/two.png`, `${base}/a/one.png`]);
    assert.equal(outcomes.length, 4);
    assert.equal(outcomes[0].record?.fileName, 'one.png', outcomes[0].error?.message);
    assert.equal(outcomes[2].record?.fileName, 'two.png', outcomes[2].error?.message);
    assert.equal(outcomes[1].error?.code, 'invalid-input');
    assert.match(outcomes[1].error?.message ?? '', /"not a url" is not an absolute URL/);
    assert.deepEqual(outcomes[3].record, outcomes[0].record, 'the repeat shares the one upload');
    assert.equal(emulator.stats.requests - before, 2, 'two requests for two distinct URLs');
    assert.equal(extension.history().length - historyBefore, 2);
    assert.equal(await (await fetch(outcomes[2].record!.url)).text(), 'bytes of /b/two.png');
  });

  it('uploadUrls: two URLs that would replace each other in one folder stop the batch before any request', async () => {
    await vscode.workspace.getConfiguration('kieUpload').update('naming', 'original', vscode.ConfigurationTarget.Global);
    const before = emulator.stats.requests;
    const outcomes = await (await api()).uploadUrls([`${base}/a/logo.png`, `${base}/b/logo.png`]);
    assert.deepEqual(outcomes.map((outcome) => outcome.error?.code), ['invalid-input', 'invalid-input']);
    assert.match(outcomes[0].error?.message ?? '', /would both be saved as logo\.png .* Nothing was sent/);
    assert.equal(emulator.stats.requests, before);
  });

  it('Upload URLs in Selection sends every URL of the selected text once; a dead one says the service could not fetch it', async () => {
    const text = `Pictures: ${base}/s/cat.png, (${base}/s/dog.png) and ${base}/s/cat.png again.\nBroken: ${base}/gone/old.png\nNot selected: ${base}/s/outside.png`;
    const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: text });
    const editor = await vscode.window.showTextDocument(document);
    editor.selection = new vscode.Selection(0, 0, 1, document.lineAt(1).text.length);
    const before = emulator.stats.requests;
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadUrlsInSelection');
    assert.deepEqual(outcomes.map((outcome) => outcome.record?.fileName ?? outcome.error?.code), ['cat.png', 'dog.png', 'cat.png', 'bad-request']);
    assert.match(outcomes[3].error?.message ?? '', /The service could not fetch .*\/gone\/old\.png: .*HTTP 404.*30 seconds/);
    assert.equal(emulator.stats.requests - before, 3, 'cat, dog and the dead link; nothing outside the selection');
  });
});
