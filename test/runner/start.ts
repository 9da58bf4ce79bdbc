/**
 * `npm start`: the emulator with a demo key, and a real editor (code-server) with the freshly
 * packaged VSIX installed and its settings pointing at the emulator, opened on a copy of a sample
 * folder (an image, a PDF, a Markdown note that links the image). Prints the URL and what to do
 * next; Ctrl-C stops everything it started. With VS Code installed, F5 (.vscode/launch.json) is the
 * other way in.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../emulator/server';
import { explainHarnessError, startCodeServer, type CodeServerHandle } from './codeServer';
import { ensureTestEditor } from './setupEditor';
import { PROJECT_ROOT } from './workspace';

const DEMO_KEY = 'demo-key';
const SAMPLE = join(PROJECT_ROOT, 'test/fixtures/sample');

let emulator: Emulator | undefined;
let server: CodeServerHandle | undefined;
let tmp: string | undefined;
let stopping: Promise<void> | undefined;

/** Stops what was started so far (also during start-up), then exits. */
function stop(code: number): Promise<void> {
  return (stopping ??= (async () => {
    await server?.stop().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    if (tmp) {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    }
    process.exit(code);
  })());
}

async function main(): Promise<void> {
  process.once('SIGINT', () => {
    console.log('\nstopping the editor and the emulator…');
    void stop(0);
  });
  process.once('SIGTERM', () => void stop(0));
  await ensureTestEditor();
  const emulatorPort = Number(process.env.KIE_EMULATOR_PORT ?? 8787);
  emulator = await startEmulator({ apiKey: DEMO_KEY, port: emulatorPort }).catch(() => startEmulator({ apiKey: DEMO_KEY }));
  tmp = await fs.mkdtemp(join(tmpdir(), 'kie-start-'));
  const folder = join(tmp, 'kie-sample');
  await fs.cp(SAMPLE, folder, { recursive: true });
  server = await startCodeServer({
    folder,
    tmpDir: join(tmp, 'editor'),
    installExtensions: [join(PROJECT_ROOT, 'kie-file-upload.vsix')],
    userSettings: { 'kieUpload.baseUrl': emulator.url, 'workbench.startupEditor': 'readme' },
  });
  const url = `${server.baseUrl}/?folder=${encodeURIComponent(folder)}`;
  console.log('');
  console.log(`Kie File Upload is running (editor pid ${server.pid}, emulator in this process, pid ${process.pid}).`);
  console.log('');
  console.log(`  1. Open ${url} in a browser.`);
  console.log(`  2. Press Ctrl+Shift+P, run "Kie File Upload: Set API Key" and enter ${DEMO_KEY}.`);
  console.log('  3. Right-click handout.pdf in the Explorer and choose "Upload to Kie"; the link is on your clipboard.');
  console.log('     The README.md open in the editor lists more to try: drop and paste, publishing its image, Recent Uploads.');
  console.log('');
  console.log(`API emulator: ${emulator.url} (key ${DEMO_KEY}); what you upload is kept until you stop.`);
  console.log('Press Ctrl-C to stop the editor and the emulator.');
}

main().catch((error) => {
  console.error(`npm start failed: ${explainHarnessError(error)}`);
  void stop(1);
});
