/**
 * The browser UI test: a real workbench (code-server) with the packaged VSIX installed, driven by
 * headless Chromium. It right-clicks a file in the Explorer and chooses "Upload to Kie" with no key
 * stored, answers the "Set API Key" offer in the password box, sees the upload resume and succeed,
 * finds the file with its expiry in the Recent Uploads view, and inserts its link into a Markdown
 * file from there. Screenshots go to media/screenshots/ for the README.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startEmulator } from '../emulator/server';
import { launchChromium, startCodeServer, workbenchUrl } from '../runner/codeServer';
import { copyFixtureWorkspace, PROJECT_ROOT } from '../runner/workspace';
import { reportFailure, step, tearDown, type UiTestResult } from './harness';

export type { UiTestResult };

const KEY = 'ui-test-key-0123456789';
const SCREENSHOTS = join(PROJECT_ROOT, 'media/screenshots');

const SEL = {
  workbench: '.monaco-workbench',
  explorerRow: (name: string) => `.explorer-folders-view .monaco-list-row[aria-label^="${name}"]`,
  menuItem: (label: string) => `.context-view .action-item:has(.action-label[aria-label="${label}"])`,
  toast: '.notifications-toasts .notification-list-item',
  activityItem: (label: string) => `.part.activitybar .action-item:has(.action-label[aria-label^="${label}"])`,
  viewRow: (name: string) => `.pane-body .monaco-list-row[aria-label^="${name},"]`,
  editorLines: '.editor-instance .monaco-editor .view-lines',
};


export async function runExplorerUploadUiTest(vsix: string, log: (line: string) => void): Promise<UiTestResult> {
  const emulator = await startEmulator({ apiKey: KEY });
  const workspace = await copyFixtureWorkspace();
  const tmp = await fs.mkdtemp(join(tmpdir(), 'kie-ui-'));
  const server = await startCodeServer({
    folder: workspace.path,
    tmpDir: tmp,
    installExtensions: [vsix],
    userSettings: { 'kieUpload.baseUrl': emulator.url, 'workbench.colorTheme': 'Default Dark Modern' },
  });
  const browser = await launchChromium(undefined, tmp);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(workbenchUrl(server, workspace.path), { waitUntil: 'domcontentloaded' });
    await page.waitForSelector(SEL.workbench, { timeout: 60_000 });
    // The view container appears once the extension's contributions are loaded.
    await page.locator(SEL.activityItem('Kie Uploads')).waitFor({ state: 'visible', timeout: 60_000 });
    await step(log, 'right-click diagram.png and choose "Upload to Kie"', async () => {
      const row = page.locator(SEL.explorerRow('diagram.png'));
      await row.click();
      await row.click({ button: 'right' });
      const item = page.locator(SEL.menuItem('Upload to Kie'));
      await item.waitFor({ state: 'visible', timeout: 10_000 });
      await item.hover();
      await screenshot(page, 'explorer-menu.png');
      await item.click();
    });
    await step(log, 'without a key: "Set API Key", type it, and the upload resumes', async () => {
      const toast = page.locator(SEL.toast, { hasText: 'Uploading needs your Kie API key' });
      await toast.waitFor({ state: 'visible', timeout: 15_000 });
      await toast.locator('.monaco-button', { hasText: 'Set API Key' }).click();
      await recordProgressToasts(page, 'Uploading diagram.png');
      await enterKeyInPasswordBox(page);
    });
    await step(log, 'see the progress reach 99 B of 99 B and close, then the success notification', async () => {
      const toast = page.locator(SEL.toast, { hasText: 'Uploaded diagram.png' });
      await toast.waitFor({ state: 'visible', timeout: 30_000 });
      const progress = (await page.evaluate('window.kieProgressToasts')) as string[];
      assert.equal(await page.locator(SEL.toast, { hasText: 'Uploading diagram.png' }).count(), 0, `no progress beside the success; progress seen: ${JSON.stringify(progress)}`);
      const shown = progress.filter((text) => text !== '');
      assert.ok(shown.length > 0, 'the progress notification was shown');
      assert.match(shown[shown.length - 1], /\b99 B of 99 B\b/, `the last byte count is the total; progress seen: ${JSON.stringify(progress)}`);
      await screenshot(page, 'upload-notification.png');
      assert.ok(emulator.listFiles().some((file) => file.originalName === 'diagram.png' || file.fileName === 'diagram.png'), 'the emulator stored the file');
    });
    await step(log, 'find diagram.png with its expiry in Recent Uploads', async () => {
      await page.locator(SEL.activityItem('Kie Uploads')).click();
      const row = page.locator(SEL.viewRow('diagram.png'));
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      const label = (await row.getAttribute('aria-label')) ?? '';
      assert.match(label, /^diagram\.png, expires in (2 d 23 h|3 d)$/, `row label: ${label}`);
      assert.match(await row.innerText(), /expires in/);
      await screenshot(page, 'recent-uploads.png');
    });
    await step(log, 'use the inline Copy Link of the Recent Uploads item', async () => {
      const row = page.locator(SEL.viewRow('diagram.png'));
      await row.hover();
      await row.locator('.action-label[aria-label="Copy Link"]').click();
      await page.locator('.part.statusbar', { hasText: 'Copied the link to diagram.png' }).waitFor({ state: 'visible', timeout: 10_000 });
    });
    await step(log, 'open notes.md and insert the link from Recent Uploads', async () => {
      await page.locator(SEL.activityItem('Explorer')).click();
      await page.locator(SEL.explorerRow('notes.md')).dblclick();
      const lines = page.locator(SEL.editorLines);
      await lines.filter({ hasText: 'Some text for the upload tests.' }).waitFor({ state: 'visible', timeout: 15_000 });
      await lines.click();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.locator(SEL.activityItem('Kie Uploads')).click();
      const row = page.locator(SEL.viewRow('diagram.png'));
      await row.click({ button: 'right' });
      // As in the Explorer: a menu item clicked the moment it appears may not take the click.
      const item = page.locator(SEL.menuItem('Insert Link into Editor'));
      await item.waitFor({ state: 'visible', timeout: 10_000 });
      await item.hover();
      await item.click();
      // The link goes in at the cursor, as an image link to the uploaded file.
      await lines.filter({ hasText: /!\[diagram\]\(http:\/\/127\.0\.0\.1:\d+\/\S*diagram\.png\)/ }).waitFor({ state: 'visible', timeout: 10_000 });
      await screenshot(page, 'markdown-insert.png');
    });
    return { passed: 1, failed: 0 };
  } catch (error) {
    return await reportFailure(browser, log, error, 'kie-ui-failure.png');
  } finally {
    await tearDown({ browser, server, emulator, workspace, tmp });
  }
}

/**
 * Records, in the page, every text the toasts containing `title` show (in order, '' when none is
 * on screen), into window.kieProgressToasts: what a user would have seen of the progress.
 */
async function recordProgressToasts(page: Page, title: string): Promise<void> {
  // A script string: this project compiles without the DOM's types.
  await page.evaluate(`(() => {
    const wanted = ${JSON.stringify(title)};
    const seen = (window.kieProgressToasts = []);
    const record = () => {
      const now = [...document.querySelectorAll('.notifications-toasts .notification-list-item')]
        .map((item) => item.innerText.replace(/\\s+/g, ' ').trim())
        .filter((text) => text.includes(wanted))
        .join(' | ');
      if (seen[seen.length - 1] !== now) {
        seen.push(now);
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`);
}

async function enterKeyInPasswordBox(page: Page): Promise<void> {
  const password = page.locator('.quick-input-widget input[type="password"]');
  await password.waitFor({ timeout: 15_000 });
  await password.pressSequentially(KEY, { delay: 5 });
  await page.keyboard.press('Enter');
}

async function screenshot(page: Page, name: string): Promise<void> {
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name) });
}
