import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/** Suites that must run first: the activation suite checks the state before anything activates. */
const FIRST = ['activation.test.js'];
/**
 * Suites that run last: the folder of 20,000 files leaves the extension host with tens of
 * thousands of log lines and a history it has just filled and emptied again, which no other
 * suite should have to start from.
 */
const LAST = ['manyFiles.test.js'];

/**
 * The extension-tests entry point, called inside the extension host by either launcher
 * (code-server or @vscode/test-electron). Rejects when any test fails.
 */
export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.KIE_TEST_GREP;
  if (grep) {
    mocha.grep(grep);
  }
  const files = (await fs.readdir(__dirname)).filter((name) => name.endsWith('.test.js'));
  files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const file of files) {
    mocha.addFile(join(__dirname, file));
  }
  const failures: Array<{ title: string; error: string }> = [];
  const stats = await new Promise<Mocha.Stats>((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats as Mocha.Stats));
    runner.on('fail', (test, error) => failures.push({ title: test.fullTitle(), error: String(error?.message ?? error) }));
  });
  // The launcher reads this to count the tests; the exit code alone cannot tell 0 tests from success.
  const resultFile = process.env.KIE_TEST_RESULT_FILE;
  if (resultFile) {
    const result = { ok: stats.failures === 0 && stats.tests > 0, passed: stats.passes, failed: stats.failures, pending: stats.pending, failures };
    await fs.writeFile(resultFile, JSON.stringify(result));
  }
  if (stats.failures > 0 || stats.tests === 0) {
    throw new Error(`${stats.failures} of ${stats.tests} integration tests failed`);
  }
}

function rank(file: string): number {
  const first = FIRST.indexOf(file);
  const last = LAST.indexOf(file);
  return first !== -1 ? first : last !== -1 ? FIRST.length + 1 + last : FIRST.length;
}
