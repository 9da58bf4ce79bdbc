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
