import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { UploadOptions, UploadOutcome } from '../../src/core/types';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, useEmulator, workspaceFile, writeWorkspaceSettings } from './helpers';

// Planted secrets, written into the test's copy of the workspace at run time.
const PEM = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAwJ3b0TEST0NOT0A0REAL0KEY', '-----END RSA PRIVATE KEY-----', ''].join('\n');
const ENV_SECRET = 'DATABASE_PASSWORD=hunter2-not-for-the-log';
const FOLDER = 'guard-demo';
const SECRET_FILES = ['.env', 'id_rsa', 'credentials.json', 'meeting-notes.txt'];
const ORDINARY_FILES = ['one.txt', 'two.txt'];

async function writeFolder(): Promise<void> {
  const dir = workspaceFile(FOLDER).fsPath;
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(`${dir}/.env`, `${ENV_SECRET}\n`);
  await fs.writeFile(`${dir}/id_rsa`, PEM);
  await fs.writeFile(`${dir}/credentials.json`, '{"installed":{"client_secret":"abc"}}\n');
  // An innocent name, but a private key inside.
  await fs.writeFile(`${dir}/meeting-notes.txt`, `Agenda\n\nthe deploy key, for now:\n${PEM}`);
  await fs.writeFile(`${dir}/one.txt`, 'the first ordinary file\n');
  await fs.writeFile(`${dir}/two.txt`, 'the second ordinary file\n');
}

describe('the sensitive-file guard', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await useEmulator();
    await writeFolder();
  });
  after(async () => {
    await fs.rm(workspaceFile(FOLDER).fsPath, { recursive: true, force: true });
    await cleanUp(emulator);
  });

  it('a folder upload sends exactly the ordinary files and names the skipped ones in the summary', async () => {
    const { testing } = await api();
    const requestsBefore = emulator.requestLog.length;
    const storedBefore = emulator.listFiles().length;
    const summariesBefore = testing.skippedSensitive.length;
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', workspaceFile(FOLDER));
    const byName = new Map(outcomes.map((outcome) => [outcome.source.slice(outcome.source.lastIndexOf('/') + 1), outcome]));
    assert.deepEqual([...byName.keys()].sort(), [...SECRET_FILES, ...ORDINARY_FILES].sort(), 'one outcome per file of the folder');
    for (const name of ORDINARY_FILES) {
      assert.ok(byName.get(name)?.record, `${name} was uploaded: ${byName.get(name)?.error?.message}`);
    }
    for (const name of SECRET_FILES) {
      assert.equal(byName.get(name)?.error?.code, 'sensitive', `${name} was held back`);
      assert.match(byName.get(name)?.error?.message ?? '', /looks like it holds .*Nothing was sent\./);
    }
    assert.equal(emulator.requestLog.length - requestsBefore, 2, 'two requests: the two ordinary files');
    const stored = emulator.listFiles().slice(storedBefore).map((file) => file.fileName);
    assert.deepEqual(stored.sort(), ORDINARY_FILES);
    const summary = await nextSkippedSummary(testing, summariesBefore);
    assert.match(summary, /^Skipped 4 files that look like they hold secrets: /);
    for (const name of SECRET_FILES) {
      assert.ok(summary.includes(name), `the summary names ${name}: ${summary}`);
    }
    assert.ok(!testing.logLines.some((line) => line.includes('hunter2') || line.includes('MIIEowIBAAKCAQEA')), 'the log names skipped files, never their content');
  });

  it('the API refuses a sensitive file with code "sensitive" and sends nothing; allowSensitive: true sends it', async () => {
    const extensionApi = await api();
    const env = workspaceFile(`${FOLDER}/.env`);
    const requestsBefore = emulator.requestLog.length;
    const [refused] = await extensionApi.uploadFiles([env]);
    assert.equal(refused.error?.code, 'sensitive');
    assert.equal(refused.error?.message, '.env looks like it holds environment secrets. Nothing was sent.');
    // Only `true` opts out: a truthy string from a careless caller does not.
    const [stillRefused] = await extensionApi.uploadFiles([env], { allowSensitive: 'true' } as unknown as UploadOptions);
    assert.equal(stillRefused.error?.code, 'sensitive');
    assert.equal(emulator.requestLog.length, requestsBefore, 'nothing was sent');
    const [sent] = await extensionApi.uploadFiles([env], { allowSensitive: true });
    assert.ok(sent.record, sent.error?.message);
    assert.equal(await (await fetch(sent.record.url)).text(), `${ENV_SECRET}\n`);
  });

  it('uploadData judges the bytes too: a PEM block in notes.txt is refused', async () => {
    const extensionApi = await api();
    const requestsBefore = emulator.requestLog.length;
    const refused = await extensionApi.uploadData(Buffer.from(`hello\n${PEM}`), 'notes.txt');
    assert.equal(refused.error?.code, 'sensitive');
    assert.match(refused.error?.message ?? '', /^notes\.txt looks like it holds a private key\./);
    assert.equal(emulator.requestLog.length, requestsBefore);
    const ordinary = await extensionApi.uploadData(Buffer.from('hello\n'), 'notes.txt');
    assert.ok(ordinary.record, ordinary.error?.message);
  });

  it('a command with arguments resolves with "sensitive" without a modal, and sends nothing', async () => {
    const env = workspaceFile(`${FOLDER}/.env`);
    const requestsBefore = emulator.requestLog.length;
    const summariesBefore = (await api()).testing.skippedSensitive.length;
    // A modal would keep this from resolving: the test would time out.
    const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFiles', env, [env]);
    assert.deepEqual(outcomes.map((outcome) => outcome.error?.code), ['sensitive']);
    assert.equal(emulator.requestLog.length, requestsBefore);
    const { testing } = await api();
    assert.match(await nextSkippedSummary(testing, summariesBefore), /^\.env looks like it holds environment secrets\./);
  });

  it('Re-upload meets the guard again when the local file has come to hold a secret since', async () => {
    const file = workspaceFile(`${FOLDER}/draft.txt`);
    await fs.writeFile(file.fsPath, 'a harmless draft\n');
    try {
      const [first] = await (await api()).uploadFiles([file]);
      assert.ok(first.record, first.error?.message);
      await fs.writeFile(file.fsPath, `a harmless draft\n${PEM}`);
      const requestsBefore = emulator.requestLog.length;
      const again = await vscode.commands.executeCommand<UploadOutcome>('kieUpload.reupload', first.record);
      assert.equal(again.error?.code, 'sensitive');
      assert.equal(emulator.requestLog.length, requestsBefore, 'nothing was sent');
      assert.equal(await (await fetch(first.record.url)).text(), 'a harmless draft\n', 'the earlier link still serves the earlier bytes');
    } finally {
      await fs.rm(file.fsPath, { force: true });
    }
  });

  describe('a single file a person chose is asked about in a modal', () => {
    type WarningArgs = [string, ...unknown[]];
    const window = vscode.window as unknown as { showWarningMessage: (...args: WarningArgs) => Thenable<unknown> };
    const original = window.showWarningMessage;
    let asked: WarningArgs[];

    /** Answers the extension's warnings as a person would: `answer` for the modal, nothing for the rest. */
    function answerModal(answer: string | undefined): void {
      asked = [];
      window.showWarningMessage = (...args: WarningArgs) => {
        asked.push(args);
        const options = args[1] as { modal?: boolean } | undefined;
        return Promise.resolve(options?.modal ? answer : undefined);
      };
    }
    afterEach(() => {
      window.showWarningMessage = original;
    });

    it('Upload to Kie on id_rsa asks "… Upload it to a public link?"; Upload sends it', async () => {
      answerModal('Upload');
      const key = workspaceFile(`${FOLDER}/id_rsa`);
      const requestsBefore = emulator.requestLog.length;
      const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFromExplorer', key, [key]);
      const modal = asked.find((args) => (args[1] as { modal?: boolean } | undefined)?.modal);
      assert.ok(modal, 'a modal was shown');
      assert.equal(modal[0], 'id_rsa looks like it holds a private key. Upload it to a public link?');
      assert.ok(outcome.record, outcome.error?.message);
      assert.equal(emulator.requestLog.length - requestsBefore, 1);
      assert.equal(await (await fetch(outcome.record.url)).text(), PEM);
    });

    it('declining the modal sends nothing and resolves with "sensitive"', async () => {
      answerModal(undefined);
      const key = workspaceFile(`${FOLDER}/id_rsa`);
      const requestsBefore = emulator.requestLog.length;
      const [outcome] = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFromExplorer', key, [key]);
      assert.equal(asked.filter((args) => (args[1] as { modal?: boolean } | undefined)?.modal).length, 1);
      assert.equal(outcome.error?.code, 'sensitive');
      assert.equal(emulator.requestLog.length, requestsBefore);
    });

    it('a folder chosen in the Explorer skips such files without asking about each', async () => {
      answerModal('Upload'); // the folder confirmation; a question about a secret would also get a yes
      const outcomes = await vscode.commands.executeCommand<UploadOutcome[]>('kieUpload.uploadFromExplorer', workspaceFile(FOLDER));
      const modals = asked.filter((args) => (args[1] as { modal?: boolean } | undefined)?.modal).map((args) => args[0]);
      assert.equal(modals.length, 1, `only the folder confirmation: ${modals.join(' | ')}`);
      assert.match(modals[0], /^Upload 6 files/);
      assert.equal(outcomes.filter((outcome) => outcome.error?.code === 'sensitive').length, 4);
      assert.equal(outcomes.filter((outcome) => outcome.record).length, 2);
    });
  });

  it('the user\'s kieUpload.sensitiveFiles globs hold back more files', async () => {
    const extensionApi = await api();
    const config = vscode.workspace.getConfiguration('kieUpload');
    await config.update('sensitiveFiles', ['one.*'], vscode.ConfigurationTarget.Global);
    try {
      const [one, two] = await extensionApi.uploadFiles([workspaceFile(`${FOLDER}/one.txt`), workspaceFile(`${FOLDER}/two.txt`)]);
      assert.equal(one.error?.code, 'sensitive');
      assert.ok(two.record, two.error?.message);
    } finally {
      await config.update('sensitiveFiles', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});

describe('a workspace cannot arm uploads', () => {
  const settingsFile = workspaceFile('.vscode/settings.json');
  let originalSettings: string;
  let emulator: Emulator;

  before(async () => {
    emulator = await useEmulator();
    originalSettings = await fs.readFile(settingsFile.fsPath, 'utf8');
  });
  after(async () => {
    await fs.writeFile(settingsFile.fsPath, originalSettings);
    await vscode.workspace.getConfiguration('kieUpload').update('dropAndPaste.preferUpload', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('editor').update('dropIntoEditor.preferences', undefined, vscode.ConfigurationTarget.Global);
    await cleanUp(emulator);
  });

  async function dropEdit(): Promise<vscode.DocumentDropEdit | undefined> {
    const { testing } = await api();
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: '' });
    const transfer = new vscode.DataTransfer();
    transfer.set('text/uri-list', new vscode.DataTransferItem(workspaceFile('notes.md').toString()));
    return testing.dropPaste!.provideDocumentDropEdits(document, new vscode.Position(0, 0), transfer);
  }

  async function pasteEdits(): Promise<vscode.DocumentPasteEdit[] | undefined> {
    const { testing } = await api();
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: '' });
    const transfer = new vscode.DataTransfer();
    transfer.set('text/uri-list', new vscode.DataTransferItem(workspaceFile('notes.md').toString()));
    return testing.dropPaste!.provideDocumentPasteEdits(document, [new vscode.Range(0, 0, 0, 0)], transfer, { only: undefined, triggerKind: vscode.DocumentPasteTriggerKind.Automatic });
  }

  it('kieUpload.dropAndPaste.preferUpload in .vscode/settings.json is ignored: the upload edit still yields to the built-in ones', async () => {
    const base = JSON.parse(originalSettings) as Record<string, unknown>;
    await writeWorkspaceSettings(settingsFile, { ...base, 'kieUpload.dropAndPaste.preferUpload': true });
    assert.equal(vscode.workspace.getConfiguration('kieUpload').inspect('dropAndPaste.preferUpload')?.workspaceValue ?? true, true, 'the workspace value is there to be ignored');
    const edit = await dropEdit();
    assert.ok(edit, 'the upload edit is offered');
    assert.ok((edit.yieldTo?.length ?? 0) > 0, 'and it yields to the built-in edits');
    // The user's own setting does take effect (so the check above can fail).
    await vscode.workspace.getConfiguration('kieUpload').update('dropAndPaste.preferUpload', true, vscode.ConfigurationTarget.Global);
    const preferred = await dropEdit();
    assert.deepEqual(preferred?.yieldTo, [], 'preferred when the user says so');
    await vscode.workspace.getConfiguration('kieUpload').update('dropAndPaste.preferUpload', undefined, vscode.ConfigurationTarget.Global);
  });

  it('a workspace naming the upload edit in editor.dropIntoEditor/pasteAs.preferences gets no upload edit; the user may', async () => {
    const base = JSON.parse(originalSettings) as Record<string, unknown>;
    await writeWorkspaceSettings(settingsFile, {
      ...base,
      'editor.dropIntoEditor.preferences': ['markdown.link.kieUpload'],
      'editor.pasteAs.preferences': ['markdown.link.kieUpload'],
    });
    assert.equal(await dropEdit(), undefined, 'no drop edit that the preference could apply on its own');
    assert.equal(await pasteEdits(), undefined, 'no paste edit either');
    await writeWorkspaceSettings(settingsFile, base);
    assert.ok(await dropEdit(), 'offered again once the workspace stops preferring it');
    await vscode.workspace.getConfiguration('editor').update('dropIntoEditor.preferences', ['markdown.link.kieUpload'], vscode.ConfigurationTarget.Global);
    assert.ok(await dropEdit(), 'the user may prefer it in their own settings');
  });
});

/** The summary of skipped files is shown once the upload's progress notification has closed (about a second). */
async function nextSkippedSummary(testing: { skippedSensitive: string[] }, seen: number): Promise<string> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
    if (testing.skippedSensitive.length > seen) {
      return testing.skippedSensitive.at(-1) ?? '';
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return '';
}
