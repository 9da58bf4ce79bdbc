import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { UploadRecord } from '../../src/core/types';
import type { Emulator } from '../emulator/server';
import { api, applyEdit, cleanUp, FileItem, untilSettled, useEmulator, workspaceFile } from './helpers';

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

describe('Markdown', () => {
  let emulator: Emulator;
  let record: UploadRecord;

  before(async () => {
    emulator = await useEmulator();
    const [outcome] = await (await api()).uploadFiles([workspaceFile('diagram.png')]);
    assert.ok(outcome.record);
    record = outcome.record;
  });
  after(() => cleanUp(emulator));

  async function freshMarkdown(content = ''): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    return vscode.window.showTextDocument(document);
  }

  /** Drops a workspace file at the start of the editor's second line, as the editor would apply it. */
  async function dropOnSecondLine(editor: vscode.TextEditor, file: string): Promise<vscode.DocumentDropEdit> {
    const { testing } = await api();
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    const transfer = new vscode.DataTransfer();
    transfer.set('text/uri-list', new vscode.DataTransferItem(workspaceFile(file).toString()));
    const edit = await testing.dropPaste!.provideDocumentDropEdits(editor.document, editor.selection.active, transfer);
    assert.ok(edit, 'an upload edit is offered');
    await applyEdit(editor, edit, () => testing.dropPaste!.resolveDocumentDropEdit(edit));
    return edit;
  }

  describe('Insert Link into Editor', () => {
    it('inserts at every cursor, with the alt text selected for typing over', async () => {
      const editor = await freshMarkdown('one\ntwo\n');
      editor.selections = [new vscode.Selection(0, 3, 0, 3), new vscode.Selection(1, 3, 1, 3)];
      assert.equal(await vscode.commands.executeCommand('kieUpload.insertLink', record), true);
      assert.equal(editor.document.getText(), `one![diagram](${record.url})\ntwo![diagram](${record.url})\n`);
      assert.deepEqual(editor.selections.map((selection) => editor.document.getText(selection)), ['diagram', 'diagram']);
    });

    it('puts one link per line for several uploads', async () => {
      const other = (await (await api()).uploadData(Buffer.from('%PDF'), 'report (final).pdf')).record;
      assert.ok(other);
      const editor = await freshMarkdown();
      await vscode.commands.executeCommand('kieUpload.insertLink', record, [record, other]);
      assert.equal(editor.document.getText(), `![diagram](${record.url})\n[report (final).pdf](<${other.url}>)`);
    });

    it('inserts the plain URL outside Markdown, and follows kieUpload.linkFormat per language', async () => {
      const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: '' });
      const editor = await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('kieUpload.insertLink', record);
      assert.equal(editor.document.getText(), record.url);
      await vscode.workspace.getConfiguration('kieUpload', { languageId: 'html' }).update('linkFormat', 'html', vscode.ConfigurationTarget.Global, true);
      try {
        const html = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'html', content: '' }));
        await vscode.commands.executeCommand('kieUpload.insertLink', record);
        assert.equal(html.document.getText(), `<img src="${record.url}" alt="diagram">`);
      } finally {
        await vscode.workspace.getConfiguration('kieUpload', { languageId: 'html' }).update('linkFormat', undefined, vscode.ConfigurationTarget.Global, true);
      }
    });
  });

  describe('drop and paste', () => {
    it('dropping a file inserts a placeholder at once, replaced by the link when the upload ends', async () => {
      const { testing } = await api();
      const settledBefore = testing.settledDropsAndPastes.length;
      const editor = await freshMarkdown('Intro\n');
      emulator.faults.latencyMs = 300;
      const edit = await dropOnSecondLine(editor, 'notes.md');
      assert.equal(edit.title, 'Upload to Kie and insert link');
      assert.equal(edit.kind?.value, 'markdown.link.kieUpload');
      assert.match(editor.document.getText(), /^Intro\n!\[Uploading notes\.md…\]\(kie-upload-pending:[0-9a-f]+\)$/, 'the placeholder is there while the upload runs');
      const [outcome] = await untilSettled(settledBefore + 1);
      emulator.faults.latencyMs = 0;
      assert.ok(outcome.record);
      assert.equal(editor.document.getText(), `Intro\n[notes.md](${outcome.record.url})`);
      await vscode.commands.executeCommand('undo');
      assert.match(editor.document.getText(), /^Intro\n!\[Uploading notes\.md…\]\(kie-upload-pending:[0-9a-f]+\)$/, 'the first undo takes back the link');
      await vscode.commands.executeCommand('undo');
      assert.equal(editor.document.getText(), 'Intro\n', 'the second undo removes the placeholder');
    });

    it('undo after a drop never reaches the Explorer: a file operation made meanwhile stays done', async () => {
      const { testing } = await api();
      const settledBefore = testing.settledDropsAndPastes.length;
      const editor = await freshMarkdown('Intro\n');
      const copy = workspaceFile('diagram copy.png');
      await fs.rm(copy.fsPath, { force: true });
      const deleted: string[] = [];
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(workspaceFile('.'), '*.png'));
      watcher.onDidDelete((uri) => deleted.push(uri.fsPath));
      try {
        emulator.faults.latencyMs = 1500;
        await dropOnSecondLine(editor, 'data.csv');
        // While the upload runs: copy and paste a file in the Explorer (an undoable Explorer
        // operation), and leave the focus in the Explorer.
        await vscode.commands.executeCommand('revealInExplorer', workspaceFile('diagram.png'));
        await vscode.commands.executeCommand('filesExplorer.copy');
        await vscode.commands.executeCommand('filesExplorer.paste');
        const deadline = Date.now() + 5000;
        while (!(await exists(copy.fsPath)) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        assert.ok(await exists(copy.fsPath), 'the Explorer pasted the copy');
        // The paste opened the copy; the Markdown editor is the active one again, the focus stays in the Explorer.
        await vscode.window.showTextDocument(editor.document);
        await vscode.commands.executeCommand('workbench.files.action.focusFilesExplorer');
        assert.equal(vscode.window.activeTextEditor?.document, editor.document);
        const [outcome] = await untilSettled(settledBefore + 1);
        assert.ok(outcome.record, outcome.error?.message);
        assert.equal(editor.document.getText(), `Intro\n[data.csv](${outcome.record.url})`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.ok(await exists(copy.fsPath), 'the pasted file is still there');
        assert.deepEqual(deleted, [], 'no file was deleted, not even for a moment');
      } finally {
        emulator.faults.latencyMs = 0;
        watcher.dispose();
        const copyTabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => (tab.input as { uri?: vscode.Uri } | undefined)?.uri?.fsPath === copy.fsPath);
        await vscode.window.tabGroups.close(copyTabs);
        await fs.rm(copy.fsPath, { force: true });
      }
    });

    it('typing while the upload runs is kept; the placeholder is replaced in place', async () => {
      const { testing } = await api();
      const settledBefore = testing.settledDropsAndPastes.length;
      const editor = await freshMarkdown('Intro\n');
      emulator.faults.latencyMs = 400;
      await dropOnSecondLine(editor, 'data.csv');
      assert.ok(await editor.edit((change) => change.insert(new vscode.Position(0, 0), 'Typed meanwhile. ')), 'typed');
      const [outcome] = await untilSettled(settledBefore + 1);
      emulator.faults.latencyMs = 0;
      assert.ok(outcome.record);
      assert.equal(editor.document.getText(), `Typed meanwhile. Intro\n[data.csv](${outcome.record.url})`);
    });

    it('offers nothing until it is chosen: merely offering an edit uploads nothing', async () => {
      const { testing } = await api();
      const before = emulator.stats.requests;
      const editor = await freshMarkdown();
      const transfer = new vscode.DataTransfer();
      transfer.set('text/uri-list', new vscode.DataTransferItem(workspaceFile('data.csv').toString()));
      assert.ok(await testing.dropPaste!.provideDocumentDropEdits(editor.document, editor.selection.active, transfer));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(emulator.stats.requests, before);
    });

    it('pasting a clipboard image uploads it through the base64 endpoint', async () => {
      const { testing } = await api();
      const settledBefore = testing.settledDropsAndPastes.length;
      const editor = await freshMarkdown();
      // Bytes with no live link yet (diagram.png itself has one: a paste of it would reuse that link).
      const png = Buffer.concat([await fs.readFile(workspaceFile('diagram.png').fsPath), Buffer.from('pasted')]);
      const transfer = new vscode.DataTransfer();
      transfer.set('image/png', new FileItem('image.png', png));
      const [edit] = (await testing.dropPaste!.provideDocumentPasteEdits(editor.document, [editor.selection], transfer, { only: undefined, triggerKind: vscode.DocumentPasteTriggerKind.Automatic })) ?? [];
      assert.ok(edit);
      await applyEdit(editor, edit, () => testing.dropPaste!.resolveDocumentPasteEdit(edit));
      const [outcome] = await untilSettled(settledBefore + 1);
      assert.ok(outcome.record, outcome.error?.message);
      assert.equal(outcome.record.method, 'base64');
      assert.equal(editor.document.getText(), `![image](${outcome.record.url})`);
      assert.ok(Buffer.from(await (await fetch(outcome.record.url)).arrayBuffer()).equals(png));
    });

    it('a failed upload removes its placeholder and says why', async () => {
      const { testing } = await api();
      const settledBefore = testing.settledDropsAndPastes.length;
      const editor = await freshMarkdown('keep me\n');
      editor.selection = new vscode.Selection(1, 0, 1, 0);
      const transfer = new vscode.DataTransfer();
      // Bytes never uploaded before: a paste reuses the live link of bytes uploaded already.
      transfer.set('image/png', new FileItem('broken.png', Buffer.from(`not uploaded before ${Date.now()}`)));
      emulator.faults.failNext(1, 400, 'Unsupported file format');
      const [edit] = (await testing.dropPaste!.provideDocumentPasteEdits(editor.document, [editor.selection], transfer, { only: undefined, triggerKind: vscode.DocumentPasteTriggerKind.Automatic })) ?? [];
      assert.ok(edit);
      await applyEdit(editor, edit, () => testing.dropPaste!.resolveDocumentPasteEdit(edit));
      const [outcome] = await untilSettled(settledBefore + 1);
      assert.equal(outcome.error?.code, 'bad-request');
      assert.equal(editor.document.getText(), 'keep me\n');
    });
  });
});
