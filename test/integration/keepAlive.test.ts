import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { UploadHistory } from '../../src/core/history';
import type { UploadRecord } from '../../src/core/types';
import { GroupNode, RecentUploadsProvider, UploadNode } from '../../src/views/recentUploadsView';
import { startEmulator, type Emulator } from '../emulator/server';
import { api, cleanUp, TEST_KEY, workspaceFile, type TestApi } from './helpers';

/** The emulator keeps files 10 s: a kept-alive link is renewed halfway, 5 s after each upload. */
const LIFE_MS = 10_000;

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) {
      return value;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Keep Alive against an emulator whose files live 10 seconds', function () {
  this.timeout(90_000);
  let emulator: Emulator;
  let extension: TestApi;
  const files: vscode.Uri[] = [];

  before(async () => {
    emulator = await startEmulator({ apiKey: TEST_KEY, retentionHours: LIFE_MS / 3_600_000 });
    await vscode.workspace.getConfiguration('kieUpload').update('baseUrl', emulator.url, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('kieUpload').update('maxRetries', 1, vscode.ConfigurationTarget.Global);
    assert.equal(await vscode.commands.executeCommand('kieUpload.setApiKey', TEST_KEY), true);
    extension = await api();
  });

  after(async () => {
    const mine = extension.history().filter((record) => record.url.startsWith(emulator.url));
    await vscode.commands.executeCommand('kieUpload.stopKeepAlive', undefined, mine);
    await vscode.commands.executeCommand('kieUpload.removeFromHistory', undefined, mine);
    await Promise.all(files.map((uri) => fs.rm(uri.fsPath, { force: true })));
    await cleanUp(emulator);
  });

  async function localFile(name: string, text: string): Promise<vscode.Uri> {
    const uri = workspaceFile(name);
    await fs.writeFile(uri.fsPath, text);
    files.push(uri);
    return uri;
  }

  async function hosted(url: string): Promise<string> {
    const response = await fetch(url);
    return response.status === 200 ? response.text() : `HTTP ${response.status}`;
  }

  const current = (name: string) => extension.history().find((record) => record.fileName === name && record.url.startsWith(emulator.url));
  const events = (kind: string, name: string) => extension.testing.keepAliveEvents.filter((event) => event.kind === kind && event.files.includes(name));
  /** The upload requests the emulator answered. */
  const uploadsOf = () =>
    emulator.requestLog.filter((entry) => entry.method === 'POST' && entry.status === 200 && entry.path.startsWith('/api/file-')).length;

  it('renews before expiry with the same link and bytes, uses the link’s own bytes once the local file changed, and stops at its date', async () => {
    const text = `reviewed bytes ${randomBytes(8).toString('hex')}`;
    const uri = await localFile('keep-alive-1.txt', text);
    const until = new Date(Date.now() + 24_000).toISOString();
    const [outcome] = await extension.uploadFiles([uri], { keepAliveUntil: until });
    assert.ok(outcome.record, outcome.error?.message);
    const first = outcome.record;
    assert.equal(first.keepAliveUntil, until);
    assert.equal(current('keep-alive-1.txt')?.keepAliveUntil, until, 'the history keeps the mark');

    const renewal1 = await waitFor('the first renewal', () => events('renewed', 'keep-alive-1.txt')[0], LIFE_MS);
    assert.equal(renewal1.via, 'local', 'the unchanged local file is used');
    assert.ok(renewal1.at < Date.parse(first.expiresAt), 'renewed before the link expired');
    const after1 = current('keep-alive-1.txt');
    assert.ok(after1);
    assert.equal(after1.url, first.url, 'the link is unchanged');
    assert.ok(Date.parse(after1.expiresAt) > Date.parse(first.expiresAt), 'its expiry started afresh');
    assert.equal(after1.keepAliveUntil, until);
    assert.match(after1.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal(await hosted(first.url), text, 'the link serves identical bytes');

    // Someone edits the file after the review: the link must go on serving what was reviewed.
    await fs.writeFile(uri.fsPath, 'edited after the review');
    const renewal2 = await waitFor('the second renewal', () => events('renewed', 'keep-alive-1.txt')[1], LIFE_MS);
    assert.equal(renewal2.via, 'link', 'the changed local file is not used');
    assert.ok(renewal2.at < Date.parse(after1.expiresAt), 'renewed before the link expired');
    assert.equal(emulator.requestLog.filter((entry) => entry.method === 'POST').at(-1)?.path, '/api/file-url-upload');
    assert.equal(await hosted(first.url), text, 'the link still serves the reviewed bytes');
    assert.equal(current('keep-alive-1.txt')?.url, first.url);

    // The keep-alive ends at its date: told before, unmarked at it, and nothing is sent after it.
    await waitFor('the end of the keep-alive', () => events('ended', 'keep-alive-1.txt')[0], 24_000 - (Date.now() - Date.parse(first.uploadedAt)) + 8000);
    const ending = events('ending', 'keep-alive-1.txt')[0];
    assert.ok(ending && ending.at <= Date.parse(until), 'told that it is about to stop being renewed');
    assert.ok(events('ended', 'keep-alive-1.txt')[0].at >= Date.parse(until));
    assert.equal(current('keep-alive-1.txt')?.keepAliveUntil, undefined);
    const sent = uploadsOf();
    await sleep(LIFE_MS);
    assert.equal(uploadsOf(), sent, 'no renewal after the end date');
    assert.equal(await hosted(first.url), 'HTTP 404', 'the link died at its expiry');
  });

  it('after a restart, renews a link that became overdue while the window was closed', async () => {
    const uri = await localFile('keep-alive-2.txt', 'overdue');
    const [outcome] = await extension.uploadFiles([uri], { keepAliveUntil: new Date(Date.now() + 60_000).toISOString() });
    assert.ok(outcome.record, outcome.error?.message);
    extension.testing.keepAlive?.suspend();
    const sent = uploadsOf();
    // Past its renewal time (5 s), still alive (10 s).
    await sleep(6500);
    assert.equal(uploadsOf(), sent, 'nothing renews while closed');
    assert.equal(events('renewed', 'keep-alive-2.txt').length, 0);
    const restartedAt = Date.now();
    extension.testing.keepAlive?.restart();
    const renewed = await waitFor('the renewal after the restart', () => events('renewed', 'keep-alive-2.txt')[0], 3500);
    assert.ok(renewed.at < Date.parse(outcome.record.expiresAt), 'before the link died');
    assert.ok(renewed.at - restartedAt < 3500, `at once (${renewed.at - restartedAt} ms)`);
    assert.equal(await hosted(outcome.record.url), 'overdue');
    // The renewal is a new upload (a new id) behind the same link: the item now stands for it.
    const stopped = await vscode.commands.executeCommand<UploadRecord>('kieUpload.stopKeepAlive', current('keep-alive-2.txt'));
    assert.equal(stopped.keepAliveUntil, undefined);
    assert.equal(current('keep-alive-2.txt')?.keepAliveUntil, undefined);
  });

  it('after a restart, reports a kept-alive link that died while the window was closed, once', async () => {
    const uri = await localFile('keep-alive-3.txt', 'dies while closed');
    const [outcome] = await extension.uploadFiles([uri], { keepAliveUntil: new Date(Date.now() + 60_000).toISOString() });
    assert.ok(outcome.record, outcome.error?.message);
    extension.testing.keepAlive?.suspend();
    await sleep(LIFE_MS + 1000);
    extension.testing.keepAlive?.restart();
    await waitFor('the report', () => events('died', 'keep-alive-3.txt')[0], 4000);
    assert.equal(current('keep-alive-3.txt')?.keepAliveUntil, undefined, 'no longer marked');
    assert.equal(events('renewed', 'keep-alive-3.txt').length, 0);
    extension.testing.keepAlive?.restart();
    await sleep(3000);
    assert.equal(events('died', 'keep-alive-3.txt').length, 1, 'reported once');
  });

  it('takes keepAliveUntil from automation only within 30 days, and marks and unmarks through the commands', async () => {
    const requests = emulator.stats.requests;
    for (const bad of ['friday', new Date(Date.now() - 1000).toISOString(), new Date(Date.now() + 31 * 86_400_000).toISOString()]) {
      const [outcome] = await extension.uploadFiles([workspaceFile('notes.md')], { keepAliveUntil: bad });
      assert.equal(outcome.error?.code, 'invalid-input', bad);
    }
    assert.equal(emulator.stats.requests, requests, 'nothing was sent');

    const [outcome] = await extension.uploadFiles([workspaceFile('notes.md')]);
    assert.ok(outcome.record, outcome.error?.message);
    const marked = await vscode.commands.executeCommand<UploadRecord>('kieUpload.keepAlive', outcome.record.id);
    const days = (Date.parse(marked.keepAliveUntil ?? '') - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `7 days by default (${days})`);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('kieUpload.keepAlive', outcome.record.id, undefined, '2000-01-01T00:00:00Z')));
    const until = new Date(Date.now() + 2 * 86_400_000).toISOString();
    assert.equal((await vscode.commands.executeCommand<UploadRecord>('kieUpload.keepAlive', outcome.record.id, until)).keepAliveUntil, until);
    assert.equal(current('notes.md')?.keepAliveUntil, until);
    const stopped = await vscode.commands.executeCommand<UploadRecord>('kieUpload.stopKeepAlive', outcome.record.id);
    assert.equal(stopped.keepAliveUntil, undefined);
    assert.equal(current('notes.md')?.keepAliveUntil, undefined);
  });
});

describe('Keep Alive in Recent Uploads', () => {
  it('shows the mark and the date in the description and tooltip, and offers Stop Keeping Alive', () => {
    const now = Date.parse('2026-03-01T12:00:00.000Z');
    const base: UploadRecord = {
      id: 'kept',
      fileName: 'design.pdf',
      fileSize: 4096,
      mimeType: 'application/pdf',
      uploadPath: 'vscode-uploads/k',
      url: 'https://files.example/vscode-uploads/k/design.pdf',
      downloadUrl: 'https://files.example/download/kept',
      uploadedAt: new Date(now - 3_600_000).toISOString(),
      expiresAt: new Date(now + 71 * 3_600_000).toISOString(),
      method: 'stream',
      source: 'file:///work/design.pdf',
      keepAliveUntil: '2026-03-13T17:00:00.000Z',
    };
    let values: unknown = [base, { ...base, id: 'plain', fileName: 'plain.pdf', url: 'https://files.example/p.pdf', keepAliveUntil: undefined }];
    const provider = new RecentUploadsProvider(new UploadHistory({ get: () => values, set: async (next) => void (values = next) }), () => now);
    try {
      const nodes = (provider.getChildren() as GroupNode[]).flatMap((group) => provider.getChildren(group) as UploadNode[]);
      const items = Object.fromEntries(nodes.map((node) => [node.record.fileName, provider.getTreeItem(node)]));
      const kept = items['design.pdf'];
      assert.match(String(kept.description), /^⟳ kept alive until .*13.* · expires in 2 d 23 h$/);
      assert.equal(kept.contextValue, 'upload.keepAlive');
      assert.equal((kept.iconPath as vscode.ThemeIcon).id, 'sync');
      assert.match((kept.tooltip as vscode.MarkdownString).value, /Kept alive until/);
      assert.equal(items['plain.pdf'].description, 'expires in 2 d 23 h');
      assert.equal(items['plain.pdf'].contextValue, 'upload');
    } finally {
      provider.dispose();
    }
    const menus = (vscode.extensions.getExtension('kie-file-upload.kie-file-upload')?.packageJSON as { contributes: { menus: Record<string, Array<{ command: string; when: string }>> } }).contributes.menus['view/item/context'];
    const when = (command: string) => menus.find((entry) => entry.command === command)?.when ?? '';
    assert.match(when('kieUpload.stopKeepAlive'), /viewItem == upload\.keepAlive/);
    assert.match(when('kieUpload.keepAlive'), /viewItem =~/);
  });
});
