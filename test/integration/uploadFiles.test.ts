import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { UploadOutcome } from '../../src/core/types';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, useEmulator, workspaceFile } from './helpers';

describe('kieUpload.uploadFiles with arguments', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await useEmulator();
  });
  after(() => cleanUp(emulator));

  it('uploads the Explorer selection (uri, uris) without a prompt and returns one outcome per file', async () => {
    const files = [workspaceFile('notes.md'), workspaceFile('data.csv')];
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', files[0], files);
    assert.deepEqual(outcomes.map((outcome) => outcome.record?.fileName), ['notes.md', 'data.csv']);
    assert.deepEqual(outcomes.map((outcome) => outcome.source), files.map(String));
    const history = (await api()).history();
    assert.ok(outcomes.every((outcome) => history.some((record) => record.url === outcome.record?.url)));
  });

  it('uploads a folder as its files, leaving out what files.exclude hides', async () => {
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', workspaceFile('assets'));
    assert.deepEqual(outcomes.map((outcome) => outcome.record?.fileName).sort(), ['a.txt', 'b.txt']);
    assert.ok(!emulator.listFiles().some((file) => file.fileName === 'skip.log'));
  });

  it('copies the link after an upload (the default afterUpload)', async () => {
    const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', workspaceFile('diagram.png'));
    assert.ok(outcome.record);
    assert.equal(await vscode.env.clipboard.readText(), outcome.record.url);
  });

  it('reports a missing file as not-found and records nothing', async () => {
    const before = (await api()).history().length;
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', workspaceFile('does-not-exist.png'));
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0].error?.code, 'not-found');
    assert.match(outcomes[0].error?.message ?? '', /does-not-exist\.png/);
    assert.equal((await api()).history().length, before);
  });

  it('uploads the same bytes the file holds', async () => {
    const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', [workspaceFile('assets/a.txt')]);
    assert.ok(outcome.record);
    const served = await (await fetch(outcome.record.url)).text();
    assert.equal(served, await fs.readFile(workspaceFile('assets/a.txt').fsPath, 'utf8'));
  });
});
