/**
 * The agent tools' confirmation, in a real workbench: the packaged VSIX installed in code-server,
 * and a stand-in agent (toolCaller/extension.ts) that calls `vscode.lm.invokeTool` outside a chat
 * request, where the workbench asks with a modal dialog. (The integration tests cannot see that
 * dialog: in extension-test mode the workbench answers every confirmation with yes itself.)
 * The test reads each dialog, declines the first — nothing reaches the emulator — and accepts the
 * second, which publishes exactly the files it named.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startEmulator } from '../emulator/server';
import { launchChromium, startCodeServer } from '../runner/codeServer';
import { copyFixtureWorkspace, PROJECT_ROOT } from '../runner/workspace';
import type { CallerResult, CallerScript } from './toolCaller/extension';
import { reportFailure, step, tearDown, type UiTestResult } from './harness';

const KEY = 'ui-agent-key-0123456789';
const SCREENSHOTS = join(PROJECT_ROOT, 'media/screenshots');
const CALLER_DIR = join(__dirname, 'toolCaller');
const DIALOG = '.monaco-dialog-box';

export async function runAgentConfirmationUiTest(vsix: string, log: (line: string) => void): Promise<UiTestResult> {
  const emulator = await startEmulator({ apiKey: KEY });
  const workspace = await copyFixtureWorkspace();
  const tmp = await fs.mkdtemp(join(tmpdir(), 'kie-ui-agent-'));
  const resultFile = join(tmp, 'caller-results.json');
  const script: CallerScript = {
    key: KEY,
    resultFile,
    calls: [
      { tool: 'kie_upload_files', input: { paths: ['notes.md', 'assets/a.txt'] } },
      { tool: 'kie_upload_files', input: { paths: ['diagram.png', 'data.csv'] } },
    ],
  };
  await fs.writeFile(join(tmp, 'caller-script.json'), JSON.stringify(script));
  // The stand-in agent's manifest, next to its compiled code.
  await fs.writeFile(
    join(CALLER_DIR, 'package.json'),
    JSON.stringify({ name: 'kie-tool-caller', publisher: 'kie-tests', version: '0.0.1', engines: { vscode: '^1.100.0' }, main: './extension.js', activationEvents: ['onStartupFinished'] }),
  );
  const server = await startCodeServer({
    folder: workspace.path,
    tmpDir: join(tmp, 'server'),
    installExtensions: [vsix],
    env: { KIE_TOOL_CALLER_SCRIPT: join(tmp, 'caller-script.json') },
    userSettings: { 'kieUpload.baseUrl': emulator.url, 'workbench.colorTheme': 'Default Dark Modern' },
  });
  const browser = await launchChromium(undefined, tmp);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${resolve(CALLER_DIR)}`]];
    await page.goto(`${server.baseUrl}/?folder=${encodeURIComponent(workspace.path)}&payload=${encodeURIComponent(JSON.stringify(payload))}`, { waitUntil: 'domcontentloaded' });

    await step(log, 'the first call asks, naming both files with their sizes; Cancel publishes nothing', async () => {
      const text = await dialogText(page);
      assert.match(text, /Publish 2 files at public links\?/);
      assert.match(text, /notes\.md \(41 B\)/);
      assert.match(text, /assets\/a\.txt \(\d+ B\)/);
      assert.match(text, /Anyone who has a link can open the file; the links expire in 3 days/);
      await page.locator(DIALOG).locator('.monaco-button', { hasText: /^Cancel$/ }).click();
      const [declined] = await results(resultFile, 1);
      assert.match(declined.error ?? '', /Cancel/i, `the call was cancelled: ${JSON.stringify(declined)}`);
      assert.equal(emulator.requestLog.length, 0, 'the emulator received nothing');
    });
    await step(log, 'the second call asks again; Yes publishes exactly what it named', async () => {
      const text = await dialogText(page);
      assert.match(text, /diagram\.png \(99 B\)/);
      assert.match(text, /data\.csv \(8 B\)/);
      await fs.mkdir(SCREENSHOTS, { recursive: true });
      // Only the dialog and a margin: the VSIX carries the README's images, and it has a size budget.
      const box = await page.locator(DIALOG).boundingBox();
      assert.ok(box);
      await page.screenshot({ path: join(SCREENSHOTS, 'agent-confirmation.png'), clip: { x: box.x - 24, y: box.y - 24, width: box.width + 48, height: box.height + 48 } });
      const buttons = await page.locator(DIALOG).locator('.monaco-button').allInnerTexts();
      const accept = buttons.find((label) => !/^Cancel$/.test(label.trim()));
      assert.ok(accept, `an accept button among ${buttons.join(', ')}`);
      await page.locator(DIALOG).locator('.monaco-button', { hasText: accept.trim() }).first().click();
      const [, accepted] = await results(resultFile, 2);
      assert.match(accepted.text ?? '', /^Published 2 files/, JSON.stringify(accepted));
      const stored = emulator.listFiles().map((file) => file.fileName).sort();
      assert.deepEqual(stored, ['data.csv', 'diagram.png']);
      assert.match(accepted.text ?? '', /!\[diagram\]\(http:\/\/127\.0\.0\.1:\d+\/\S+diagram\.png\)/);
    });
    return { passed: 1, failed: 0 };
  } catch (error) {
    return await reportFailure(browser, log, error, 'kie-ui-agent-failure.png');
  } finally {
    await tearDown({ browser, server, emulator, workspace, tmp });
  }
}

async function dialogText(page: Page): Promise<string> {
  const dialog = page.locator(DIALOG);
  await dialog.waitFor({ state: 'visible', timeout: 90_000 });
  return dialog.innerText();
}

/** Waits until the stand-in agent has written `count` results. */
async function results(file: string, count: number): Promise<CallerResult[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    let parsed: CallerResult[] = [];
    try {
      parsed = JSON.parse(await fs.readFile(file, 'utf8')) as CallerResult[];
    } catch {
      // Not written yet, or being written.
    }
    if (parsed.length >= count) {
      return parsed;
    }
    assert.ok(Date.now() < deadline, `the stand-in agent wrote ${parsed.length} of ${count} results`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

