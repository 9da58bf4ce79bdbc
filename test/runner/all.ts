/**
 * `npm test`: the unit suites (plain Node), the integration suites (inside a real VS Code extension
 * host: code-server here), and the browser UI test, in that order. Streams every suite's output,
 * always cleans up, ends with one summary line, and exits non-zero if anything failed.
 *
 *   node out/test/runner/all.js [unit] [integration] [ui]     (default: all three)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { explainHarnessError, runTestsInCodeServer } from './codeServer';
import { copyFixtureWorkspace, INTEGRATION_INDEX, packTestLanguages, PROJECT_ROOT } from './workspace';
import { runAgentConfirmationUiTest } from '../ui/agentConfirmation';
import { runExplorerUploadUiTest } from '../ui/explorerUpload';
import { ensureTestEditor } from './setupEditor';

interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  note?: string;
}

const VSIX = join(PROJECT_ROOT, 'kie-file-upload.vsix');
const log = (line: string) => process.stdout.write(`${line}\n`);

async function runUnit(): Promise<SuiteResult> {
  const mocha = join(PROJECT_ROOT, 'node_modules/mocha/bin/mocha.js');
  let output = '';
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [mocha, '--no-color'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on('close', resolve);
  });
  const count = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(output)?.[1] ?? 0);
  const failed = count('failing');
  return { name: 'unit', passed: count('passing'), failed: code !== 0 && failed === 0 ? 1 : failed, note: code !== 0 && failed === 0 ? `mocha exited with ${code}` : undefined };
}

async function runIntegration(): Promise<SuiteResult> {
  const workspace = await copyFixtureWorkspace();
  try {
    const run = await runTestsInCodeServer({
      installExtensions: [packTestLanguages(join(workspace.path, '..'))],
      extensionDevelopmentPath: PROJECT_ROOT,
      extensionTestsPath: INTEGRATION_INDEX,
      workspaceFolder: workspace.path,
      timeoutMs: 10 * 60_000,
      requireResult: true,
      log,
    });
    const passed = run.result?.passed ?? 0;
    const failed = run.result?.failed ?? (run.exitCode === 0 ? 0 : 1);
    return { name: 'integration', passed, failed: run.exitCode !== 0 && failed === 0 ? 1 : failed, note: `${run.message} in ${(run.durationMs / 1000).toFixed(1)} s` };
  } finally {
    await workspace.dispose();
  }
}

async function runUi(): Promise<SuiteResult> {
  if (!existsSync(VSIX)) {
    return { name: 'ui', passed: 0, failed: 1, note: `no VSIX at ${VSIX}: run npm run package first` };
  }
  log('\nUI: Explorer → Upload to Kie → notification → Recent Uploads');
  const explorer = await runExplorerUploadUiTest(VSIX, log);
  log('\nUI: a chat agent\'s upload asks first (the workbench\'s dialog): Cancel sends nothing, Yes publishes what it named');
  const agent = await runAgentConfirmationUiTest(VSIX, log);
  return { name: 'ui', passed: explorer.passed + agent.passed, failed: explorer.failed + agent.failed };
}

const SUITES: Record<string, () => Promise<SuiteResult>> = { unit: runUnit, integration: runIntegration, ui: runUi };

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in SUITES));
  if (unknown.length) {
    log(`unknown suite ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}`);
    return 2;
  }
  const results: SuiteResult[] = [];
  // The editor layers need the test editor built: checked (or built, once) before the first of them.
  let editor: Promise<void> | undefined;
  for (const name of wanted.length ? wanted : Object.keys(SUITES)) {
    try {
      if (name !== 'unit') {
        await (editor ??= ensureTestEditor());
      }
      results.push(await SUITES[name]());
    } catch (error) {
      results.push({ name, passed: 0, failed: 1, note: explainHarnessError(error) });
    }
  }
  log('');
  for (const result of results) {
    log(`${result.name}: ${result.passed} passed, ${result.failed} failed${result.note ? `  (${result.note})` : ''}`);
  }
  const passed = results.reduce((sum, result) => sum + result.passed, 0);
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  log(`tests: ${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (error) => {
  log(`test runner failed: ${explainHarnessError(error)}`);
  process.exit(2);
});
