/**
 * The same integration suites under @vscode/test-electron, for machines that can download VS Code
 * (or that set VSCODE_EXECUTABLE_PATH to an installed one): `npm run test:electron`.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { copyFixtureWorkspace, INTEGRATION_INDEX, PROJECT_ROOT } from './workspace';

async function main(): Promise<void> {
  const workspace = await copyFixtureWorkspace();
  const resultFile = join(workspace.path, '..', 'result.json');
  try {
    await runTests({
      extensionDevelopmentPath: PROJECT_ROOT,
      extensionTestsPath: INTEGRATION_INDEX,
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH,
      launchArgs: [workspace.path, '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: { KIE_TEST_RESULT_FILE: resultFile },
    });
    const result = JSON.parse(await fs.readFile(resultFile, 'utf8'));
    console.log(`integration: ${result.passed} passed, ${result.failed} failed`);
  } finally {
    await workspace.dispose();
  }
}

main().catch((error) => {
  console.error(`Integration tests failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
