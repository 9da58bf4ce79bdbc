import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HarnessError } from './codeServer';
import { PROJECT_ROOT } from './workspace';

/**
 * The test editor's one-time build, behind `npm start` and `npm test` as behind `npm install`:
 * setup-code-server.sh --auto checks in well under a second when everything is in place, and
 * otherwise installs what is missing with one progress line per step. Where it cannot (not root,
 * not Debian) it says in one line what to run, and this throws with that line.
 */
export async function ensureTestEditor(): Promise<void> {
  const script = join(PROJECT_ROOT, 'test/runner/setup-code-server.sh');
  let lastError = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('sh', [script, '--auto'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      const lines = chunk.toString().trim().split('\n');
      lastError = lines[lines.length - 1] ?? lastError;
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new HarnessError(lastError.replace(/^\[kie setup\] /, '') || `the test editor's set-up failed (exit code ${code}); run: npm run setup:editor`);
  }
}
