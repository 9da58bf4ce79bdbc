import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '../../..');
export const FIXTURE_WORKSPACE = join(PROJECT_ROOT, 'test/fixtures/workspace');
export const INTEGRATION_INDEX = join(PROJECT_ROOT, 'out/test/integration/index.js');

/** A fresh copy of the fixture workspace, so that tests may write into it without touching the repo. */
export async function copyFixtureWorkspace(): Promise<{ path: string; dispose(): Promise<void> }> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'kie-ws-'));
  const path = join(dir, 'workspace');
  await fs.cp(FIXTURE_WORKSPACE, path, { recursive: true });
  return { path, dispose: () => fs.rm(dir, { recursive: true, force: true }) };
}

/**
 * The test editor's stand-in for the AsciiDoc and Org extensions (test/fixtures/languages-extension
 * contributes their language ids), packed into a VSIX in `dir` for code-server to install: the
 * integration tests drop files into documents of those languages as those extensions' users do.
 */
export function packTestLanguages(dir: string): string {
  const vsix = join(dir, 'test-languages.vsix');
  const result = spawnSync(
    process.execPath,
    [join(PROJECT_ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--allow-missing-repository', '--skip-license', '--out', vsix],
    { cwd: join(PROJECT_ROOT, 'test/fixtures/languages-extension'), encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) {
    throw new Error(`could not pack the test languages extension:\n${result.stdout}\n${result.stderr}`);
  }
  return vsix;
}
