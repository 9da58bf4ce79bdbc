import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PublishConfirmation } from '../../src/markdown/publishDocument';
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

  describe('publishing stays inside the workspace and asks first', () => {
    const PEM = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ', '-----END OPENSSH PRIVATE KEY-----', ''].join('\n');
    let root: string;
    let outsideDir: string;
    let source: string;
    const created: string[] = [];

    before(async () => {
      root = workspaceFile('.').fsPath;
      outsideDir = await fs.mkdtemp(path.join(path.dirname(root), 'outside-'));
      const png = await fs.readFile(workspaceFile('diagram.png').fsPath);
      const write = async (file: string, content: string | Buffer) => {
        await fs.writeFile(file, content);
        created.push(file);
      };
      await write(path.join(outsideDir, 'holiday.png'), png);
      await write(path.join(outsideDir, 'id_ed25519.png'), png);
      await write(path.join(root, '.env'), 'API_TOKEN=not-for-the-internet\n');
      await write(path.join(root, 'notes.txt'), `my notes\n${PEM}`);
      await fs.symlink(path.join(outsideDir, 'holiday.png'), path.join(root, 'shortcut.png'));
      created.push(path.join(root, 'shortcut.png'));
      const up = path.relative(root, path.join(outsideDir, 'holiday.png')).split(path.sep).join('/');
      source = [
        '# Trust',
        '![inside](diagram.png)',
        `![up and out](${up})`,
        `![absolute](${vscode.Uri.file(path.join(outsideDir, 'id_ed25519.png')).toString()})`,
        '![symlink](shortcut.png)',
        '[env](.env)',
        '[notes](<notes.txt>)',
        '[attachment](assets/a.txt)',
        '',
      ].join('\n');
    });

    after(async () => {
      (await api()).testing.confirmPublish = undefined;
      await Promise.all(created.map((file) => fs.rm(file, { force: true })));
      await fs.rm(outsideDir, { recursive: true, force: true });
    });

    it('with a document URI: uploads only the files inside the workspace that hold no secrets; the other links stay as written', async () => {
      const file = workspaceFile('trust.md');
      await fs.writeFile(file.fsPath, source);
      const document = await vscode.workspace.openTextDocument(file);
      const logged = emulator.requestLog.length;
      const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadLocalImages', file);
      const sent = emulator.requestLog.slice(logged);
      assert.equal(sent.length, 2, `only the two files inside the workspace reach the service: ${sent.map((entry) => entry.path).join()}`);
      const storedNames = emulator.listFiles().map((entry) => entry.fileName);
      for (const name of ['holiday.png', 'id_ed25519.png', 'shortcut.png', '.env', 'notes.txt']) {
        assert.ok(!storedNames.some((stored) => stored.endsWith(name)), `${name} never reached the service`);
      }
      const uploaded = outcomes.filter((outcome) => outcome.record);
      assert.deepEqual(uploaded.map((outcome) => outcome.record!.fileName).sort(), ['a.txt', 'diagram.png']);
      const skipped = outcomes.filter((outcome) => outcome.error).map((outcome) => `${outcome.error!.code}: ${outcome.error!.message}`);
      assert.equal(skipped.length, 5, skipped.join('\n'));
      assert.ok(skipped.some((line) => /^invalid-input: \.\.\/outside-\w+\/holiday\.png is outside the workspace folder\.$/.test(line)), skipped.join('\n'));
      assert.ok(skipped.some((line) => /^invalid-input: file:\/\/\/.*id_ed25519\.png is outside the workspace folder\.$/.test(line)), skipped.join('\n'));
      assert.ok(skipped.includes('invalid-input: shortcut.png is outside the workspace folder.'), skipped.join('\n'));
      assert.ok(skipped.includes('sensitive: .env looks like it holds environment secrets.'), skipped.join('\n'));
      assert.ok(skipped.includes('sensitive: notes.txt looks like it holds a private key.'), skipped.join('\n'));
      const diagram = uploaded.find((outcome) => outcome.record!.fileName === 'diagram.png')!.record!.url;
      const attachment = uploaded.find((outcome) => outcome.record!.fileName === 'a.txt')!.record!.url;
      const expected = source.replace('](diagram.png)', `](${diagram})`).replace('](assets/a.txt)', `](${attachment})`);
      assert.equal(document.getText(), expected, 'every skipped link is left byte for byte');
    });

    it('interactively: shows the files, their sizes, the total and what is skipped before anything is sent; declining sends nothing', async () => {
      const { testing } = await api();
      const file = workspaceFile('trust-ask.md');
      await fs.writeFile(file.fsPath, source);
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
      const before = emulator.stats.requests;
      const shown: PublishConfirmation[] = [];
      testing.confirmPublish = async (confirmation) => {
        shown.push(confirmation);
        return false;
      };
      await vscode.commands.executeCommand('kieUpload.uploadLocalImages');
      assert.equal(shown.length, 1, 'the confirmation was shown');
      const [asked] = shown;
      const textSize = (await fs.stat(workspaceFile('assets/a.txt').fsPath)).size;
      assert.deepEqual(asked.files, [
        { name: 'diagram.png', size: 99 },
        { name: 'assets/a.txt', size: textSize },
      ]);
      assert.equal(asked.totalBytes, 99 + textSize);
      assert.match(asked.message, /^Upload 2 files linked from trust-ask\.md\?/);
      const detail = asked.detail.split('\n');
      assert.deepEqual(detail.slice(0, 3), ['diagram.png (99 B)', `assets/a.txt (${textSize} B)`, `Total: 2 files, ${99 + textSize} B`]);
      for (const reason of ['holiday.png is outside the workspace folder.', 'id_ed25519.png is outside the workspace folder.', 'shortcut.png is outside the workspace folder.', '.env looks like it holds environment secrets.', 'notes.txt looks like it holds a private key.']) {
        assert.ok(detail.some((line) => line.endsWith(reason)), `the confirmation says "${reason}":\n${asked.detail}`);
      }
      assert.equal(emulator.stats.requests, before, 'declining sends nothing');
      assert.equal(editor.document.getText(), source);
    });

    it('interactively: nothing is sent until the user confirms', async () => {
      const { testing } = await api();
      const file = workspaceFile('trust-yes.md');
      await fs.writeFile(file.fsPath, source);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
      const before = emulator.stats.requests;
      let sentWhenAsked = -1;
      testing.confirmPublish = async () => {
        sentWhenAsked = emulator.stats.requests - before;
        return true;
      };
      // Interactive: after the uploads the edit is shown as a preview, which this test discards.
      const running = vscode.commands.executeCommand('kieUpload.uploadLocalImages');
      await until(() => (emulator.stats.requests - before >= 2 ? true : undefined), 'the two uploads', 10_000);
      assert.equal(sentWhenAsked, 0, 'nothing was sent before the confirmation');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await vscode.commands.executeCommand('refactorPreview.discard');
      await running;
      assert.equal(emulator.stats.requests - before, 2);
    });
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

    it('quick fix "Re-upload and replace link" finds its link again when the document is edited above it during the upload', async () => {
      emulator.setNow(() => Date.now() - 70 * HOUR);
      const [dying] = await (await api()).uploadFiles([workspaceFile('assets/a.txt')]);
      emulator.setNow(Date.now);
      assert.ok(dying.record);
      const file = workspaceFile('quickfix.md');
      const before = `Top\n\nSee [a](${dying.record.url}) and more.\nEnd\n`;
      await fs.writeFile(file.fsPath, before);
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      const soon = await until(() => vscode.languages.getDiagnostics(doc.uri).find((d) => d.code === 'kieUpload.expiringLink'), 'the expiring diagnostic');
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, soon.range);
      const fix = actions.find((action) => action.title === 'Re-upload and replace link');
      assert.ok(fix?.command);
      emulator.faults.latencyMs = 800;
      try {
        const running = vscode.commands.executeCommand<UploadOutcome>(fix.command.command, ...(fix.command.arguments ?? []));
        await new Promise((resolve) => setTimeout(resolve, 200));
        const inserted = 'A new first line, typed while the upload runs.\n';
        const edit = new vscode.WorkspaceEdit();
        edit.insert(doc.uri, new vscode.Position(0, 0), inserted);
        edit.insert(doc.uri, new vscode.Position(2, 0), 'More words. ');
        assert.ok(await vscode.workspace.applyEdit(edit));
        const outcome = await running;
        assert.ok(outcome.record, outcome.error?.message);
        assert.ok(Date.parse(outcome.record.expiresAt) - Date.now() > 71 * HOUR);
        const expected = `${inserted}Top\n\nMore words. See [a](${outcome.record.url}) and more.\nEnd\n`;
        assert.equal(doc.getText(), expected, 'the link was replaced, and nothing else changed');
      } finally {
        emulator.faults.latencyMs = 0;
      }
    });
  });
});
