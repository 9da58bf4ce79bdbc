/**
 * `npm start`: the emulator with a demo key, and a real editor (code-server) with the freshly
 * packaged VSIX installed and its settings pointing at the emulator. Prints the URL to open and
 * runs until Ctrl-C. With VS Code installed, F5 (.vscode/launch.json) is the other way in.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/server';
import { explainHarnessError, startCodeServer } from './codeServer';
import { copyFixtureWorkspace, PROJECT_ROOT } from './workspace';

const DEMO_KEY = 'demo-key';

async function main(): Promise<void> {
  const emulatorPort = Number(process.env.KIE_EMULATOR_PORT ?? 8787);
  const emulator = await startEmulator({ apiKey: DEMO_KEY, port: emulatorPort }).catch(() => startEmulator({ apiKey: DEMO_KEY }));
  const workspace = await copyFixtureWorkspace();
  const tmp = await fs.mkdtemp(join(tmpdir(), 'kie-start-'));
  const server = await startCodeServer({
    folder: workspace.path,
    tmpDir: tmp,
    installExtensions: [join(PROJECT_ROOT, 'kie-file-upload.vsix')],
    userSettings: { 'kieUpload.baseUrl': emulator.url },
  });
  const stop = async () => {
    await server.stop();
    await emulator.close();
    await workspace.dispose();
    await fs.rm(tmp, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  console.log(`emulator: ${emulator.url} (API key: ${DEMO_KEY})`);
  console.log(`editor:   ${server.baseUrl}/?folder=${encodeURIComponent(workspace.path)}`);
  console.log(`Open the editor URL, run "Kie File Upload: Set API Key" with ${DEMO_KEY}, then right-click a file → Upload to Kie.`);
  console.log('Press Ctrl-C to stop.');
}

main().catch((error) => {
  console.error(`npm start failed: ${explainHarnessError(error)}`);
  process.exit(1);
});
