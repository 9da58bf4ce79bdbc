import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { KieUploadApi } from '../../src/api';
import type { UploadOutcome } from '../../src/core/types';
import type { TestingHandle } from '../../src/platform/testing';
import { startEmulator, type Emulator } from '../emulator/server';

export const EXTENSION_ID = 'kie-file-upload.kie-file-upload';
export const TEST_KEY = 'integration-key-0123456789';

export type TestApi = KieUploadApi & { testing: TestingHandle };

export function extension(): vscode.Extension<TestApi> {
  const found = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
  assert.ok(found, `extension ${EXTENSION_ID} is not installed in this editor`);
  return found;
}

export async function api(): Promise<TestApi> {
  return extension().activate();
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Starts an emulator on loopback and points the extension at it, with the key stored. */
export async function useEmulator(): Promise<Emulator> {
  const emulator = await startEmulator({ apiKey: TEST_KEY });
  await vscode.workspace.getConfiguration('kieUpload').update('baseUrl', emulator.url, vscode.ConfigurationTarget.Global);
  await vscode.workspace.getConfiguration('kieUpload').update('maxRetries', 1, vscode.ConfigurationTarget.Global);
  assert.equal(await vscode.commands.executeCommand('kieUpload.setApiKey', TEST_KEY), true);
  // The suites upload the workspace's files again and again: asked whether to reuse a live link,
  // they answer as a person who wants a new upload (verifyReuse.test.ts answers for itself).
  (await api()).testing.answerReuse = uploadAgain;
  return emulator;
}

/** The answer to the Reuse Link question of a person who uploads again. */
export const uploadAgain = async (): Promise<'upload'> => 'upload';

export async function resetSettings(): Promise<void> {
  const config = vscode.workspace.getConfiguration('kieUpload');
  for (const key of ['baseUrl', 'maxRetries', 'afterUpload', 'uploadPath', 'maxConcurrentUploads', 'naming', 'historyLimit', 'expiryWarningHours']) {
    await config.update(key, undefined, vscode.ConfigurationTarget.Global);
  }
}

/** Every string the extension keeps outside SecretStorage: settings, both states, the log. */
export function everythingStoredOutsideSecrets(testing: TestingHandle): string {
  const states = [testing.globalState, testing.workspaceState].map((memento) =>
    JSON.stringify(Object.fromEntries(memento.keys().map((key) => [key, memento.get(key)]))),
  );
  const settings = JSON.stringify(vscode.workspace.getConfiguration('kieUpload'));
  return [...states, settings, ...testing.logLines].join('\n');
}

/** Leaves the editor as the next suite expects it: no editors, no key, default settings, emulators closed. */
export async function cleanUp(...emulators: Array<Emulator | undefined>): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await vscode.commands.executeCommand('kieUpload.clearApiKey');
  await resetSettings();
  await Promise.all(emulators.map((emulator) => emulator?.close()));
}

/** A data-transfer item that carries a file, as a clipboard image or an OS drop does. */
export class FileItem extends vscode.DataTransferItem {
  constructor(
    private readonly name: string,
    private readonly bytes: Uint8Array,
  ) {
    super('');
  }
  override asFile(): vscode.DataTransferFile {
    return { name: this.name, uri: undefined, data: async () => this.bytes };
  }
}

/** Applies a drop or paste edit the way the editor does: resolve, then insert its text at the position. */
export async function applyEdit(editor: vscode.TextEditor, edit: vscode.DocumentDropEdit | vscode.DocumentPasteEdit, resolve: () => unknown): Promise<void> {
  resolve();
  const text = edit.insertText;
  await editor.insertSnippet(typeof text === 'string' ? new vscode.SnippetString(text.replace(/[$}\\]/g, '\\$&')) : text, editor.selection.active);
}

/** The outcomes of the `count`-th drop or paste to settle, waiting up to 10 s. */
export async function untilSettled(count: number): Promise<UploadOutcome[]> {
  const { testing } = await api();
  const deadline = Date.now() + 10_000;
  while (testing.settledDropsAndPastes.length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(testing.settledDropsAndPastes.length >= count, 'the uploads settled');
  return testing.settledDropsAndPastes[count - 1];
}

/** Waits until the editor has read a change to settings.json (or 3 s). */
export async function writeWorkspaceSettings(settingsFile: vscode.Uri, settings: Record<string, unknown>): Promise<void> {
  const changed = new Promise<void>((resolve) => {
    const listener = vscode.workspace.onDidChangeConfiguration(() => {
      listener.dispose();
      resolve();
    });
  });
  await fs.writeFile(settingsFile.fsPath, JSON.stringify(settings, null, 2));
  await Promise.race([changed, new Promise((resolve) => setTimeout(resolve, 3000))]);
}
