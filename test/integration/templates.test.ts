import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { UploadOutcome } from '../../src/core/types';
import { templateProblems } from '../../src/upload/uploadService';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, useEmulator, workspaceFile } from './helpers';

describe('your names: kieUpload.fileNameTemplate and uploadPathTemplate', () => {
  let emulator: Emulator;
  const config = () => vscode.workspace.getConfiguration('kieUpload');
  const set = async (fileNameTemplate?: string, uploadPathTemplate?: string) => {
    await config().update('fileNameTemplate', fileNameTemplate, vscode.ConfigurationTarget.Global);
    await config().update('uploadPathTemplate', uploadPathTemplate, vscode.ConfigurationTarget.Global);
  };

  before(async () => {
    emulator = await useEmulator();
  });
  afterEach(() => set(undefined, undefined));
  after(() => cleanUp(emulator));

  it('names uploads by the templates: ${baseName}-${hash:8}.${ext} in shots/${date:YYYY-MM}', async () => {
    await set('${baseName}-${hash:8}.${ext}', 'shots/${date:YYYY-MM}');
    const bytes = await fs.readFile(workspaceFile('notes.md').fsPath);
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
    const now = new Date();
    const [outcome] = await (await api()).uploadFiles([workspaceFile('notes.md')]);
    assert.ok(outcome.record, outcome.error?.message);
    assert.equal(outcome.record.fileName, `notes-${hash}.md`);
    assert.equal(outcome.record.uploadPath, `shots/${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`);
    assert.ok(Buffer.from(await (await fetch(outcome.record.url)).arrayBuffer()).equals(bytes));
  });

  it('a template with an unknown variable: a clear message for every file, nothing sent', async () => {
    await set('${name}.png');
    assert.match(templateProblems({ fileNameTemplate: '${name}.png' })[0], /kieUpload\.fileNameTemplate cannot be used: \$\{name\} is not one of/);
    const before = emulator.stats.requests;
    const outcomes = await (await api()).uploadFiles([workspaceFile('notes.md'), workspaceFile('data.csv')]);
    assert.deepEqual(outcomes.map((outcome) => outcome.error?.code), ['invalid-input', 'invalid-input']);
    assert.match(outcomes[0].error?.message ?? '', /\$\{name\} is not one of/);
    assert.equal(emulator.stats.requests, before);
  });

  it('a template that gives two files the same name stops the batch before its first byte (API and Explorer command)', async () => {
    await set('shot.png', 'fixed');
    const before = emulator.stats.requests;
    const files = [workspaceFile('notes.md'), workspaceFile('data.csv')];
    const outcomes = await (await api()).uploadFiles(files);
    assert.deepEqual(outcomes.map((outcome) => outcome.error?.code), ['invalid-input', 'invalid-input']);
    assert.match(outcomes[0].error?.message ?? '', /give notes\.md and data\.csv the same name \(fixed\/shot\.png\)/);
    const fromCommand = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', files[0], files);
    assert.ok(fromCommand.every((outcome) => outcome.error?.code === 'invalid-input'));
    assert.equal(emulator.stats.requests, before, 'nothing was sent');
    // Names that differ go through.
    await set('${baseName}-copy.${ext}', 'fixed');
    const named = await (await api()).uploadFiles(files);
    assert.deepEqual(named.map((outcome) => outcome.record?.fileName), ['notes-copy.md', 'data-copy.csv']);
  });

  it('the defaults keep today\'s names: each upload in a folder of its own, under its own name', async () => {
    const [first, second] = await (await api()).uploadFiles([workspaceFile('notes.md'), workspaceFile('notes.md')]);
    assert.equal(first.record?.fileName, 'notes.md');
    assert.notEqual(first.record?.uploadPath, second.record?.uploadPath);
  });
});
