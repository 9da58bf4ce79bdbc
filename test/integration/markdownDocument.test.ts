import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { UploadOutcome } from '../../src/core/types';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, useEmulator, workspaceFile } from './helpers';

const HOUR = 3_600_000;

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) {
      return value;
    }
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('Markdown documents', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await useEmulator();
  });
  after(() => cleanUp(emulator));

  it('Upload Local Images in Document uploads each local file once and replaces every use in one edit', async () => {
    const png = await fs.readFile(workspaceFile('diagram.png').fsPath);
    const dataUri = `data:image/png;base64,${png.toString('base64')}`;
    const source = [
      '# Publish me',
      '![diagram](diagram.png)',
      '![again](./diagram.png "The same file")',
      '[attachment](<assets/a.txt>)',
      '[another document](notes.md)',
      `![inline](${dataUri})`,
      '`![in code](diagram.png)`',
      '![missing](nowhere.png)',
      '[site](https://example.com/)',
      '',
    ].join('\n');
    const file = workspaceFile('publish.md');
    await fs.writeFile(file.fsPath, source);
    const document = await vscode.workspace.openTextDocument(file);
    const before = emulator.stats.requests;
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadLocalImages', file);
    assert.deepEqual(outcomes.map((outcome) => outcome.record?.fileName), ['diagram.png', 'a.txt', 'image-3.png']);
    assert.equal(emulator.stats.requests - before, 3, 'a file used twice is uploaded once');
    const [diagram, attachment, inline] = outcomes.map((outcome) => outcome.record!.url);
    assert.equal(
      document.getText(),
      [
        '# Publish me',
        `![diagram](${diagram})`,
        `![again](${diagram} "The same file")`,
        `[attachment](<${attachment}>)`,
        '[another document](notes.md)',
        `![inline](${inline})`,
        '`![in code](diagram.png)`',
        '![missing](nowhere.png)',
        '[site](https://example.com/)',
        '',
      ].join('\n'),
    );
    assert.ok(Buffer.from(await (await fetch(inline)).arrayBuffer()).equals(png));
  });

  describe('dead and dying links', () => {
    let expired: UploadOutcome;
    let expiring: UploadOutcome;
    let document: vscode.TextDocument;

    before(async () => {
      emulator.setNow(() => Date.now() - 80 * HOUR);
      [expired] = await (await api()).uploadFiles([workspaceFile('diagram.png')]);
      emulator.setNow(() => Date.now() - 70 * HOUR);
      [expiring] = await (await api()).uploadFiles([workspaceFile('data.csv')]);
      emulator.setNow(Date.now);
      assert.ok(expired.record && expiring.record);
      const file = workspaceFile('links.md');
      await fs.writeFile(file.fsPath, `Old: ![d](${expired.record.url})\nSoon: [csv](${expiring.record.url})\nFine: [x](https://example.com/x)\n`);
      document = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(document);
    });

    it('warns on expired links and informs about links expiring within the warning window', async () => {
      const diagnostics = await until(() => {
        const found = vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'Kie File Upload');
        return found.length === 2 ? found : undefined;
      }, 'two diagnostics');
      const [old, soon] = diagnostics.sort((a, b) => a.range.start.line - b.range.start.line);
      assert.equal(old.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(old.message, /diagram\.png expired .* ago/);
      assert.equal(document.getText(old.range), expired.record!.url);
      assert.equal(soon.severity, vscode.DiagnosticSeverity.Information);
      assert.match(soon.message, /data\.csv expires in 1 h/);
    });

    it('quick fix "Replace with local file link" points the link at the file it came from', async () => {
      const old = vscode.languages.getDiagnostics(document.uri).find((d) => d.severity === vscode.DiagnosticSeverity.Warning)!;
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, old.range);
      const titles = actions.map((action) => action.title);
      assert.ok(titles.includes('Re-upload and replace link'), titles.join());
      const local = actions.find((action) => action.title.startsWith('Replace with local file link'));
      assert.ok(local?.edit, titles.join());
      await vscode.workspace.applyEdit(local.edit);
      assert.equal(document.lineAt(0).text, 'Old: ![d](diagram.png)');
    });

    it('quick fix "Re-upload and replace link" gives the link a fresh expiry and clears the diagnostic', async () => {
      const soon = await until(() => vscode.languages.getDiagnostics(document.uri).find((d) => d.code === 'kieUpload.expiringLink'), 'the expiring diagnostic');
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, soon.range);
      const fix = actions.find((action) => action.title === 'Re-upload and replace link');
      assert.ok(fix?.command);
      const outcome = await vscode.commands.executeCommand<UploadOutcome>(fix.command.command, ...(fix.command.arguments ?? []));
      assert.ok(outcome.record, outcome.error?.message);
      assert.ok(Date.parse(outcome.record.expiresAt) - Date.now() > 71 * HOUR);
      assert.equal(document.lineAt(1).text, `Soon: [csv](${outcome.record.url})`);
      await until(() => (vscode.languages.getDiagnostics(document.uri).some((d) => d.source === 'Kie File Upload') ? undefined : true), 'the diagnostics to clear');
    });
  });
});
