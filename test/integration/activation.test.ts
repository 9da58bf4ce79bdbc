import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extension } from './helpers';

describe('activation', () => {
  it('is not active when the editor starts, and activates on its first command', async () => {
    assert.equal(extension().isActive, false, 'the extension must not activate at start-up');
    await vscode.commands.executeCommand('kieUpload.clearApiKey');
    assert.equal(extension().isActive, true);
  });

  it('returns the documented API from activate()', async () => {
    const api = await extension().activate();
    for (const name of ['uploadFiles', 'uploadUrl', 'uploadData', 'history'] as const) {
      assert.equal(typeof api[name], 'function', name);
    }
    assert.equal(typeof api.onDidChangeHistory, 'function');
    assert.ok(Array.isArray(api.history()));
  });
});
