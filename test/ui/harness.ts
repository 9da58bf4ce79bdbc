import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

export interface UiTestResult {
  passed: number;
  failed: number;
}

type Log = (line: string) => void;

/** One named step of a UI test, logged with its time once it has passed. */
export async function step(log: Log, name: string, action: () => Promise<void>): Promise<void> {
  const started = Date.now();
  await action();
  log(`  ✔ ${name} (${Date.now() - started} ms)`);
}

/** Logs a failed UI test with a screenshot of the page as it was left. */
export async function reportFailure(browser: Browser, log: Log, error: unknown, screenshotName: string): Promise<UiTestResult> {
  log(`  ✗ ${error instanceof Error ? error.message : String(error)}`);
  const page = browser.contexts()[0]?.pages()[0];
  const path = join(tmpdir(), screenshotName);
  await page?.screenshot({ path }).catch(() => undefined);
  log(`    (screenshot of the failure: ${path})`);
  return { passed: 0, failed: 1 };
}

/** Stops what a UI test started, in order, whatever failed. */
export async function tearDown(parts: { browser: Browser; server: { stop(): Promise<unknown> }; emulator: { close(): Promise<unknown> }; workspace: { dispose(): Promise<unknown> }; tmp: string }): Promise<void> {
  await parts.browser.close().catch(() => undefined);
  await parts.server.stop();
  await parts.emulator.close();
  await parts.workspace.dispose();
  await fs.rm(parts.tmp, { recursive: true, force: true });
}
