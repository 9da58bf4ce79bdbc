import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Emulator } from '../emulator/server';
import { api, cleanUp, TEST_KEY, useEmulator, workspaceFile, type TestApi } from './helpers';

const HOUR = 3_600_000;
const TOOL_NAMES = ['kie_upload_files', 'kie_upload_urls', 'kie_recent_uploads'];

/** The text a model would read: every text part of the result, joined. */
async function invoke(name: string, input: object, token?: vscode.CancellationToken): Promise<string> {
  const result = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined }, token);
  return result.content
    .map((part) => {
      assert.ok(part instanceof vscode.LanguageModelTextPart, `a text part, got ${JSON.stringify(part)}`);
      return part.value;
    })
    .join('\n');
}

/** The confirmation the user is shown, as plain text (the workbench shows `message` as the dialog's detail). */
async function confirmation(extensionApi: TestApi, tool: 'uploadFiles' | 'uploadUrls', input: object): Promise<{ title: string; message: string } | undefined> {
  const tools = extensionApi.testing.agentTools;
  assert.ok(tools, 'the tools are exposed to the tests');
  const prepared = await (tools[tool] as vscode.LanguageModelTool<object>).prepareInvocation?.({ input }, new vscode.CancellationTokenSource().token);
  const messages = prepared?.confirmationMessages;
  if (!messages) {
    return undefined;
  }
  assert.equal(typeof messages.message, 'string', 'plain text: the dialog would show Markdown escapes as they are');
  return { title: messages.title, message: messages.message as string };
}

describe('Language Model tools (agent mode)', () => {
  let emulator: Emulator;
  let extensionApi: TestApi;
  let outside: string;
  const created: vscode.Uri[] = [];

  async function createInWorkspace(name: string, content: string): Promise<vscode.Uri> {
    const uri = workspaceFile(name);
    await fs.writeFile(uri.fsPath, content);
    created.push(uri);
    return uri;
  }

  /** A file of `size` bytes that takes no disk space (a hole). */
  async function sparseFile(name: string, size: number): Promise<vscode.Uri> {
    const uri = await createInWorkspace(name, '');
    await fs.truncate(uri.fsPath, size);
    return uri;
  }

  before(async () => {
    extensionApi = await api();
    emulator = await useEmulator();
    outside = await fs.mkdtemp(join(tmpdir(), 'kie-outside-'));
    await fs.writeFile(join(outside, 'secret-notes.txt'), 'outside the workspace');
  });
  after(async () => {
    await Promise.all(created.map((uri) => fs.rm(uri.fsPath, { force: true })));
    await fs.rm(outside, { recursive: true, force: true });
    emulator.setNow(Date.now);
    await cleanUp(emulator);
  });
  afterEach(() => emulator.faults.clear());

  it('lists the three tools with their schemas after activation', () => {
    for (const name of TOOL_NAMES) {
      const tool = vscode.lm.tools.find((candidate) => candidate.name === name);
      assert.ok(tool, `${name} is in vscode.lm.tools`);
      assert.ok(tool.description.length > 200, `${name} has a model description`);
      assert.equal((tool.inputSchema as { type?: string })?.type, 'object', `${name} has an input schema`);
      assert.ok(tool.tags.includes('kie'), `${name} has its tags`);
    }
    const files = vscode.lm.tools.find((tool) => tool.name === 'kie_upload_files');
    assert.deepEqual((files?.inputSchema as { required?: string[] }).required, ['paths']);
    const urls = vscode.lm.tools.find((tool) => tool.name === 'kie_upload_urls');
    assert.deepEqual((urls?.inputSchema as { required?: string[] }).required, ['urls']);
    const recent = vscode.lm.tools.find((tool) => tool.name === 'kie_recent_uploads');
    assert.ok('expiringWithinHours' in ((recent?.inputSchema as { properties?: object }).properties ?? {}));
  });

  it('kie_upload_files publishes workspace files: one link per file with its expiry, images as Markdown images, and each lands in Recent Uploads', async () => {
    const before = extensionApi.history().length;
    const text = await invoke('kie_upload_files', { paths: ['notes.md', 'diagram.png'] });
    assert.equal(extensionApi.history().length, before + 2, 'both uploads are in the history');
    assert.deepEqual(extensionApi.history().slice(0, 2).map((record) => record.fileName).sort(), ['diagram.png', 'notes.md']);
    const stored = emulator.listFiles().map((file) => file.fileName);
    assert.ok(stored.includes('notes.md') && stored.includes('diagram.png'), `the emulator holds both: ${stored.join(', ')}`);
    const byName = Object.fromEntries(extensionApi.history().slice(0, 2).map((record) => [record.fileName, record]));
    assert.match(text, /Published 2 files/);
    assert.ok(text.includes(`notes.md (41 B): ${byName['notes.md'].url} — expires in 2 d 23 h (${byName['notes.md'].expiresAt})`), text);
    assert.ok(text.includes(`![diagram](${byName['diagram.png'].url})`), 'the image comes as a Markdown image');
    assert.ok(text.includes(`(${byName['diagram.png'].expiresAt})`));
    assert.match(text, /public/);
    assert.equal(await (await fetch(byName['notes.md'].url)).text(), await fs.readFile(workspaceFile('notes.md').fsPath, 'utf8'));
    assert.ok(!text.includes(TEST_KEY));
  });

  it('kie_upload_files accepts a file: URI and an absolute path inside the workspace', async () => {
    const text = await invoke('kie_upload_files', { paths: [workspaceFile('data.csv').toString(), workspaceFile('assets/a.txt').fsPath] });
    // Both go out at once, so either may finish (and be listed) first.
    const [first, second] = extensionApi.history();
    const byName = new Map([first, second].map((record) => [record.fileName, record]));
    assert.deepEqual([...byName.keys()].sort(), ['a.txt', 'data.csv']);
    const [a, data] = [byName.get('a.txt')!, byName.get('data.csv')!];
    assert.ok(text.includes(data.url) && text.includes(a.url), text);
    assert.equal(a.source, workspaceFile('assets/a.txt').toString());
  });

  it('kie_upload_urls has the service fetch public URLs and answers with the links and expiry', async () => {
    const [served] = (await extensionApi.uploadFiles([workspaceFile('assets/nested/b.txt')]));
    assert.ok(served.record, served.error?.message);
    const requests = emulator.requestLog.length;
    const text = await invoke('kie_upload_urls', { urls: [served.record.url] });
    assert.equal(emulator.requestLog.length, requests + 1);
    assert.equal(emulator.requestLog.at(-1)?.path, '/api/file-url-upload');
    const [record] = extensionApi.history();
    assert.equal(record.method, 'url');
    assert.equal(record.source, served.record.url);
    assert.ok(text.includes(`${record.url} — expires in 2 d 23 h (${record.expiresAt})`), text);
    assert.match(text, /Published 1 file/);
  });

  it('kie_recent_uploads lists name, link, expiry and source; with expiringWithinHours only those expiring soon, soonest first', async () => {
    emulator.setNow(() => Date.now() - 70 * HOUR); // its link expires in about 2 hours
    const soon = await invoke('kie_upload_files', { paths: ['assets/a.txt'] });
    emulator.setNow(Date.now);
    assert.match(soon, /expires in 1 h 5\d min|expires in 2 h/);
    // Uploaded "70 hours ago" by the service's clock, so the history sorts it among the older ones.
    const short = extensionApi.history().find((record) => Date.parse(record.expiresAt) - Date.now() < 3 * HOUR);
    assert.ok(short);

    const all = await invoke('kie_recent_uploads', {});
    assert.match(all, /^(\d+ recent uploads \(newest first\), the links are public|1 recent upload, its link is public):/);
    for (const record of extensionApi.history().slice(0, 6)) {
      assert.ok(all.includes(record.url), `lists ${record.fileName}`);
      assert.ok(all.includes(`(${record.expiresAt})`));
    }
    assert.ok(all.includes('source: assets/a.txt'), all);
    const fromUrl = extensionApi.history().find((record) => record.method === 'url');
    assert.ok(!fromUrl || all.includes(`source: ${fromUrl.source}`), 'a URL upload names its URL');

    const expiring = await invoke('kie_recent_uploads', { expiringWithinHours: 3 });
    assert.match(expiring, /^1 upload expires within 3 hours/);
    assert.ok(expiring.includes(short.url));
    assert.equal(expiring.split('\n').length, 2, expiring);

    assert.match(await invoke('kie_recent_uploads', { expiringWithinHours: 1 }), /No upload expires within 1 hour\./);

    emulator.setNow(() => Date.now() - 60 * HOUR); // expires in about 12 hours
    await invoke('kie_upload_files', { paths: ['data.csv'] });
    emulator.setNow(Date.now);
    const soonest = await invoke('kie_recent_uploads', { expiringWithinHours: 24, limit: 1 });
    assert.match(soonest, /^2 uploads expire within 24 hours \(soonest first\):/);
    assert.ok(soonest.includes(short.url), `the soonest is kept by the limit:\n${soonest}`);
    assert.match(soonest, /\(1 more not shown; pass a larger "limit"\.\)$/);
  });

  describe('bad inputs give a readable text result and send nothing', () => {
    let requests: number;
    let history: number;
    beforeEach(() => {
      requests = emulator.requestLog.length;
      history = extensionApi.history().length;
    });
    afterEach(() => {
      assert.equal(emulator.requestLog.length, requests, 'the emulator received nothing');
      assert.equal(extensionApi.history().length, history, 'nothing was added to Recent Uploads');
    });

    const cases: Array<[string, () => Promise<[string, object]>, RegExp]> = [
      ['a relative path out of the workspace', async () => ['kie_upload_files', { paths: ['../../etc/passwd'] }], /outside the workspace/],
      ['an absolute path outside the workspace', async () => ['kie_upload_files', { paths: [join(outside, 'secret-notes.txt')] }], /outside the workspace/],
      ['a missing file', async () => ['kie_upload_files', { paths: ['does-not-exist.png'] }], /No such file in the workspace/],
      ['a folder', async () => ['kie_upload_files', { paths: ['assets'] }], /is a folder/],
      ['a .env file', async () => ['kie_upload_files', { paths: [(await createInWorkspace('.env', 'API_TOKEN=abc\n'), '.env')] }], /\.env looks like it holds environment secrets/],
      ['a file holding a private key', async () => ['kie_upload_files', { paths: [(await createInWorkspace('deploy-notes.txt', '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n'), 'deploy-notes.txt')] }], /private key/],
      ['a file over 100 MB', async () => ['kie_upload_files', { paths: [(await sparseFile('huge.bin', 150 * 1024 * 1024), 'huge.bin')] }], /It is 150 MB; files of more than 100 MB are not published/],
      ['a non-http URL', async () => ['kie_upload_urls', { urls: ['file:///etc/passwd'] }], /Only http:\/\/ and https:\/\/ links/],
      ['a URL with credentials', async () => ['kie_upload_urls', { urls: ['https://user:pw@example.com/a.png'] }], /user name or password/],
      ['an empty list of paths', async () => ['kie_upload_files', { paths: [] }], /"paths" list is empty/],
      ['an empty list of URLs', async () => ['kie_upload_urls', { urls: [] }], /"urls" list is empty/],
      ['no list at all', async () => ['kie_upload_files', {}], /"paths" list is empty/],
    ];
    for (const [what, make, expected] of cases) {
      it(what, async () => {
        const [tool, input] = await make();
        assert.equal(await confirmation(extensionApi, tool === 'kie_upload_files' ? 'uploadFiles' : 'uploadUrls', input), undefined, 'nothing to confirm');
        const text = await invoke(tool, input);
        assert.match(text, /^Nothing was published/);
        assert.match(text, expected);
      });
    }

    it('a symbolic link inside the workspace that points outside it', async () => {
      const link = workspaceFile('innocent.txt');
      await fs.symlink(join(outside, 'secret-notes.txt'), link.fsPath);
      created.push(link);
      const text = await invoke('kie_upload_files', { paths: ['innocent.txt'] });
      assert.match(text, /innocent\.txt: It is outside the workspace \(symbolic links are followed\)/);
    });

    it('one bad path among good ones: none of them is published', async () => {
      const text = await invoke('kie_upload_files', { paths: ['notes.md', 'data.csv', '.env'] });
      assert.match(text, /^Nothing was published/);
      assert.match(text, /- \.env: /);
      assert.doesNotMatch(text, /notes\.md:/);
    });

    it('no API key: no confirmation, and the answer says how to set one', async () => {
      await vscode.commands.executeCommand('kieUpload.clearApiKey');
      try {
        assert.equal(await confirmation(extensionApi, 'uploadFiles', { paths: ['notes.md'] }), undefined);
        assert.match(await invoke('kie_upload_files', { paths: ['notes.md'] }), /no Kie API key is set/);
      } finally {
        await vscode.commands.executeCommand('kieUpload.setApiKey', TEST_KEY);
      }
    });

    it('an invoke without the confirmation that names these files publishes nothing', async () => {
      const tools = extensionApi.testing.agentTools!;
      const token = new vscode.CancellationTokenSource().token;
      const unconfirmed = await tools.uploadFiles.invoke({ input: { paths: ['notes.md'] }, toolInvocationToken: undefined }, token);
      assert.match((unconfirmed?.content[0] as vscode.LanguageModelTextPart).value, /^Nothing was published: what the tool would publish now is not what the user confirmed/);
      // Confirmed at one size, changed before the upload: not what the user saw.
      const file = await createInWorkspace('draft.txt', 'first draft');
      assert.ok(await confirmation(extensionApi, 'uploadFiles', { paths: ['draft.txt'] }));
      await fs.writeFile(file.fsPath, 'a much longer second draft');
      const changed = await tools.uploadFiles.invoke({ input: { paths: ['draft.txt'] }, toolInvocationToken: undefined }, token);
      assert.match((changed?.content[0] as vscode.LanguageModelTextPart).value, /^Nothing was published/);
    });
  });

  it("prepareInvocation's confirmation names every file with its size and every URL, and says the links are public and expire in 3 days", async () => {
    await createInWorkspace('report-v2.pdf', '%PDF-1.4 fake report');
    const files = await confirmation(extensionApi, 'uploadFiles', { paths: ['notes.md', 'diagram.png', 'assets/nested/b.txt', 'report-v2.pdf'] });
    assert.ok(files, 'publishing files asks first');
    assert.equal(files.title, 'Publish 4 files at public links?');
    for (const line of ['notes.md (41 B)', 'diagram.png (99 B)', 'assets/nested/b.txt (5 B)', 'report-v2.pdf (20 B)']) {
      assert.ok(files.message.includes(`- ${line}`), `lists ${line}:\n${files.message}`);
    }
    assert.match(files.message, /Anyone who has a link can open the file; the links expire in 3 days/);

    const urls = ['https://example.com/a.png', 'https://example.org/files/report.pdf?v=2'];
    const remote = await confirmation(extensionApi, 'uploadUrls', { urls });
    assert.ok(remote);
    assert.equal(remote.title, 'Publish copies of 2 URLs at public links?');
    for (const url of urls) {
      assert.ok(remote.message.includes(`- ${url}`), `lists ${url}:\n${remote.message}`);
    }
    assert.match(remote.message, /Anyone who has a link can open the file; the links expire in 3 days/);
  });

  it('the key appears in no result, even when the service echoes it', async () => {
    emulator.faults.failNext(2, 500, `echo of the request: Bearer ${TEST_KEY}`);
    const text = await invoke('kie_upload_files', { paths: ['data.csv'] });
    assert.match(text, /Not published:/);
    assert.match(text, /echo of the request/);
    assert.ok(!text.includes(TEST_KEY), text);
    assert.ok(!(await invoke('kie_recent_uploads', { includeExpired: true })).includes(TEST_KEY));
  });

  it('honours cancellation: an upload cancelled in flight is aborted and lands nowhere', async () => {
    const history = extensionApi.history().length;
    emulator.faults.latencyMs = 1500; // the answer would come after 1.5 s
    const source = new vscode.CancellationTokenSource();
    const requests = emulator.requestLog.length;
    const answer = invoke('kie_upload_files', { paths: ['notes.md'] }, source.token);
    for (let i = 0; i < 100 && emulator.requestLog.length === requests; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(emulator.requestLog.length, requests + 1, 'the upload started');
    source.cancel();
    // The extension host settles a cancelled invocation with a CancellationError (raceCancellationError).
    await assert.rejects(answer, (error: Error) => error.name === 'Canceled' || /Canceled/.test(error.message));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(extensionApi.history().length, history, 'the aborted upload did not reach Recent Uploads');
    assert.equal(emulator.requestLog.length, requests + 1, 'and was not retried');
  });
});
