import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extension, workspaceFile } from './helpers';

/**
 * The first suite of the launch (index.ts runs it first): a fresh extension host in which nothing
 * has run a command or activated the extension yet, as a user's new window.
 */
describe('activation', () => {
  it('is not active when the editor starts', () => {
    assert.equal(extension().isActive, false, 'the extension must not activate at start-up');
  });

  it('opening a Markdown file activates it, with no command run, and a dropped file is offered the upload', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile('notes.md'));
    const editor = await vscode.window.showTextDocument(document);
    const deadline = Date.now() + 10_000;
    while (!extension().isActive && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(extension().isActive, true, 'opening a Markdown file activates the extension (onLanguage:markdown)');
    // Read from the running extension: activate() would itself activate it and prove nothing.
    const { testing } = extension().exports;
    const transfer = new vscode.DataTransfer();
    transfer.set('text/uri-list', new vscode.DataTransferItem(workspaceFile('diagram.png').toString()));
    const edit = await testing.dropPaste!.provideDocumentDropEdits(editor.document, new vscode.Position(2, 0), transfer);
    assert.ok(edit, 'dropping a file into the Markdown editor offers an edit');
    assert.equal(edit.title, 'Upload to Kie and insert link');
    assert.equal(edit.kind?.value, 'markdown.link.kieUpload');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
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
