import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { UploadOutcome } from '../../src/core/types';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, extension, TEST_KEY, useEmulator, workspaceFile } from './helpers';

interface Step {
  id: string;
  completionEvents: string[];
}

describe('walkthrough', () => {
  let emulator: Emulator;
  const steps = (): Step[] => extension().packageJSON.contributes.walkthroughs[0].steps;
  const contextEvents = (id: string) => steps().find((step) => step.id === id)!.completionEvents.filter((event) => event.startsWith('onContext:')).map((event) => event.slice('onContext:'.length));

  before(async () => {
    await api();
    await vscode.commands.executeCommand('kieUpload.clearApiKey');
  });
  after(() => cleanUp(emulator));

  it('"Store your key" completes when the key is stored', async () => {
    const { testing } = await api();
    const [key] = contextEvents('setKey');
    assert.equal(key, 'kieUpload.hasApiKey');
    assert.equal(testing.contextKeyValue(key as 'kieUpload.hasApiKey'), false);
    await vscode.commands.executeCommand('kieUpload.setApiKey', TEST_KEY);
    assert.equal(testing.contextKeyValue('kieUpload.hasApiKey'), true);
  });

  it('"Upload a file" completes on the first upload', async () => {
    const { testing } = await api();
    assert.deepEqual(contextEvents('upload'), ['kieUpload.hasUploaded']);
    emulator = await useEmulator();
    const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', workspaceFile('diagram.png'));
    assert.ok(outcome.record);
    assert.equal(testing.contextKeyValue('kieUpload.hasUploaded'), true);
  });

  it('"Put the link into Markdown" completes on the first insert', async () => {
    const { testing, history } = await api();
    assert.deepEqual(contextEvents('insertLink'), ['kieUpload.hasInsertedLink']);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content: '' }));
    assert.equal(await vscode.commands.executeCommand('kieUpload.insertLink', history()[0]), true);
    assert.equal(testing.contextKeyValue('kieUpload.hasInsertedLink'), true);
  });

  it('"Find it in Recent Uploads" completes when that view is opened, a view the extension contributes', () => {
    const views = (extension().packageJSON.contributes.views.kieUpload as Array<{ id: string }>).map((view) => `onView:${view.id}`);
    const events = steps().find((step) => step.id === 'recentUploads')!.completionEvents;
    assert.deepEqual(events, ['onView:kieUpload.recentUploads']);
    assert.ok(events.every((event) => views.includes(event)));
  });

  it('every step has a local media file', () => {
    for (const step of extension().packageJSON.contributes.walkthroughs[0].steps as Array<{ media: { image?: string; markdown?: string } }>) {
      const file = step.media.image ?? step.media.markdown;
      assert.ok(file && !file.startsWith('http'), JSON.stringify(step.media));
    }
  });
});
