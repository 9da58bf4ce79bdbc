/**
 * Runs VS Code extension tests inside the real Node extension host of a local code-server
 * (the npm package `code-server` is VS Code's server), driven by headless Chromium through
 * playwright-core. Nothing is downloaded at test time; `setup-code-server.sh` prepares the install.
 *
 * How a run works:
 *   1. a private temp dir (user-data-dir with User/settings.json, extensions-dir, XDG dirs) and a
 *      free loopback port;
 *   2. code-server starts in its own process group with the caller's env (code-server hands its
 *      environment to the extension host, so tests see KIE_TEST_RESULT_FILE and friends);
 *   3. once GET /healthz answers, Chromium opens
 *      /?folder=<abs>&payload=[["extensionDevelopmentPath",…],["extensionTestsPath",…]], with
 *      window.codeAutomationLog / codeAutomationExit exposed: the hooks the web workbench calls in
 *      extension-test mode; the log carries every console.* line of the extension host (mocha);
 *   4. when run() settles the workbench calls codeAutomationExit(code): 0 = resolved, 1 = rejected
 *      or not loadable. The page stays open; the runner closes everything, also on Ctrl-C and timeout.
 */
import * as childProcess from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as util from 'util';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Settings merged under the caller's settings (caller wins): fewer network attempts and popups. */
export const DEFAULT_USER_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
};

/** Workbench log lines that are expected noise on an offline machine (hidden unless verbose). */
const NOISE: RegExp[] = [
  /^Resolving connection token/,
  /^Resolved connection token/,
  /^Creating a socket \(/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore:/,
  /^Overwriting extension <</,
  /getaddrinfo (ENOTFOUND|EAI_AGAIN)/, // extension gallery / marketplace lookups without internet
  /^Started local extension host with pid/,
];

export class HarnessError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

export interface CodeServerOptions {
  /** Folder opened by default (positional argument of code-server). */
  folder?: string;
  /** Written to <user-data-dir>/User/settings.json before start (merged over DEFAULT_USER_SETTINGS). */
  userSettings?: Record<string, unknown>;
  /** Extra environment for code-server and therefore for its extension host. */
  env?: Record<string, string | undefined>;
  /** Defaults to require.resolve('code-server/package.json') from the cwd, then from this file. */
  codeServerDir?: string;
  /** Node binary used to run code-server (default: this process's node; code-server 4.100.x needs Node 20). */
  nodePath?: string;
  /** Temp dir to use; created if missing. Default: mkdtemp in os.tmpdir(). */
  tmpDir?: string;
  /** Milliseconds to wait for /healthz. Default 60 s. */
  startTimeoutMs?: number;
  /** Line sink for code-server's own stdout/stderr (default: dropped unless verbose). */
  onServerOutput?: (line: string) => void;
  extraArgs?: string[];
  /** Working directory of code-server and thus of the extension host. Default: process.cwd(). */
  cwd?: string;
  /** VSIX files installed into the run's extensions dir before the server starts. */
  installExtensions?: string[];
}

export interface CodeServerHandle {
  port: number;
  baseUrl: string;
  tmpDir: string;
  userDataDir: string;
  pid: number;
  /** Resolves when the code-server process exits. */
  exited: Promise<number | null>;
  /** Output lines seen so far (for error messages). */
  output: string[];
  stop(): Promise<void>;
}

export interface RunTestsOptions extends Omit<CodeServerOptions, 'folder'> {
  /** Folder with the extension's package.json (its `main` must exist, e.g. dist/extension.js). */
  extensionDevelopmentPath: string;
  /** Compiled JS module exporting run(): Promise<void> (with or without the .js suffix). */
  extensionTestsPath: string;
  /** Workspace folder opened in the window. */
  workspaceFolder: string;
  /** Overall timeout for the whole run (server start + workbench + tests). Default 5 min. */
  timeoutMs?: number;
  /** Chromium binary. Default $CHROMIUM_PATH or /usr/bin/chromium. */
  chromiumPath?: string;
  /** Where run() should write its JSON result (exported as KIE_TEST_RESULT_FILE). Default <tmp>/result.json. */
  resultFile?: string;
  /** Fail if the test module did not write the result file. */
  requireResult?: boolean;
  /** Print workbench noise, page console, page errors and code-server output too. */
  verbose?: boolean;
  /** Keep the temp dir (user-data-dir, logs) for inspection. */
  keepTmp?: boolean;
  /** Output sink, default process.stdout. */
  log?: (line: string) => void;
  /** Called with the page right after navigation (e.g. for screenshots). */
  onPage?: (page: Page) => void | Promise<void>;
}

export interface TestResultFile {
  ok: boolean;
  passed?: number;
  failed?: number;
  failures?: { title: string; error: string }[];
  error?: string;
}

export interface RunTestsResult {
  /** 0 pass, 1 test failure, 2 harness error, 3 timeout. */
  exitCode: number;
  /** Exit code reported by the workbench via codeAutomationExit (undefined if never reported). */
  extensionHostExitCode?: number;
  result?: TestResultFile;
  message: string;
  durationMs: number;
  timings: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// helpers

function resolveCodeServerDir(explicit?: string): string {
  if (explicit) {
    return explicit;
  }
  const bases = [process.cwd(), __dirname];
  for (const base of bases) {
    try {
      return path.dirname(require.resolve('code-server/package.json', { paths: [base] }));
    } catch {
      /* try next */
    }
  }
  throw new HarnessError(
    'code-server is not installed: could not resolve "code-server/package.json" from ' +
      `${bases.join(' or ')}. Add "code-server": "4.100.3" to devDependencies, run npm install, ` +
      'then npm run setup:editor.'
  );
}

/** Throws a HarnessError naming the missing piece when code-server is not usable. */
export function checkCodeServerInstall(dir: string): void {
  const entry = path.join(dir, 'out/node/entry.js');
  const vscodeModules = path.join(dir, 'lib/vscode/node_modules');
  const missing: string[] = [];
  if (!fs.existsSync(entry)) {
    missing.push(entry);
  }
  if (!fs.existsSync(vscodeModules)) {
    missing.push(`${vscodeModules} (code-server's postinstall did not run)`);
  } else {
    for (const rel of [
      'lib/vscode/node_modules/@vscode/ripgrep/bin/rg',
      'lib/vscode/node_modules/node-pty/build/Release/pty.node',
      'lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node',
    ]) {
      if (!fs.existsSync(path.join(dir, rel))) {
        missing.push(path.join(dir, rel));
      }
    }
  }
  let argon2Ok = false;
  try {
    require.resolve('argon2', { paths: [dir] });
    argon2Ok = true;
  } catch {
    /* reported below */
  }
  if (!argon2Ok) {
    missing.push('argon2 (dependency of code-server)');
  }
  if (missing.length) {
    throw new HarnessError(
      `code-server at ${dir} is not fully installed; missing:\n  - ${missing.join('\n  - ')}\n` +
        'Run: npm run setup:editor (installs Debian packages, prepares the ripgrep cache and runs ' +
        "code-server's postinstall)."
    );
  }
}

export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

// Processes/browsers still alive; killed synchronously on process exit as a last resort.
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pid of liveGroups) {
    killGroup(pid, 'SIGKILL');
  }
});

// ---------------------------------------------------------------------------------------------
// code-server

export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServerHandle> {
  // getFreePort() can race with another process taking the port: retry on EADDRINUSE
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCodeServerOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof HarnessError) || !/EADDRINUSE/.test(err.message)) {
        throw err;
      }
    }
  }
}

async function startCodeServerOnce(opts: CodeServerOptions): Promise<CodeServerHandle> {
  const csDir = resolveCodeServerDir(opts.codeServerDir);
  checkCodeServerInstall(csDir);
  const tmpDir = opts.tmpDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'csrun-'));
  fs.mkdirSync(tmpDir, { recursive: true });
  const userDataDir = path.join(tmpDir, 'ud');
  const extensionsDir = path.join(tmpDir, 'ext');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.mkdirSync(path.join(tmpDir, 'tmp'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...(opts.userSettings ?? {}) }, null, 2)
  );
  // An explicit config file keeps code-server from writing ~/.config/code-server/config.yaml.
  const configFile = path.join(tmpDir, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');

  for (const vsix of opts.installExtensions ?? []) {
    installExtension(csDir, vsix, userDataDir, extensionsDir, opts.nodePath);
  }

  const port = await getFreePort();
  const args = [
    path.join(csDir, 'out/node/entry.js'),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--config', configFile,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(opts.extraArgs ?? []),
    ...(opts.folder ? [opts.folder] : []),
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // keep code-server's heartbeat/logs and VS Code's device id out of $HOME
    XDG_DATA_HOME: path.join(tmpDir, 'xdg-data'),
    XDG_CACHE_HOME: path.join(tmpDir, 'xdg-cache'),
    // the extension host and the built-in git extension create vscode-ipc-*.sock / vscode-git-*.sock
    // in os.tmpdir() and leave them behind when killed: give them the run's own temp dir
    TMPDIR: path.join(tmpDir, 'tmp'),
    ...(opts.env ?? {}),
  };
  for (const k of Object.keys(env)) {
    if (env[k] === undefined) {
      delete env[k];
    }
  }

  const output: string[] = [];
  const proc = childProcess.spawn(opts.nodePath ?? process.execPath, args, {
    env,
    cwd: opts.cwd ?? process.cwd(), // the extension host inherits this as process.cwd()
    detached: true, // own process group: stop() kills server, extension host, pty host together
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!proc.pid) {
    throw new HarnessError('failed to spawn code-server');
  }
  const pid = proc.pid;
  liveGroups.add(pid);
  const onData = (prefix: string) => {
    let buf = '';
    return (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        if (!line.trim()) {
          continue;
        }
        output.push(prefix + line);
        if (output.length > 400) {
          output.shift();
        }
        opts.onServerOutput?.(prefix + line);
      }
    };
  };
  proc.stdout!.on('data', onData(''));
  proc.stderr!.on('data', onData('[stderr] '));
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      liveGroups.delete(pid);
      resolve(code);
    })
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const stop = async () => {
    if (hasExited) {
      return;
    }
    killGroup(pid, 'SIGTERM');
    const t = await Promise.race([exited.then(() => 'exited'), sleep(5000).then(() => 'timeout')]);
    if (t === 'timeout') {
      killGroup(pid, 'SIGKILL');
      await Promise.race([exited, sleep(2000)]);
    }
    // children (extension host, pty host) are in the same group; make sure none survive
    killGroup(pid, 'SIGKILL');
    liveGroups.delete(pid);
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (hasExited) {
      throw new HarnessError(`code-server exited during start-up:\n${output.slice(-30).join('\n')}`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) {
        break;
      }
    } catch {
      /* not yet listening */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new HarnessError(`code-server did not answer on ${baseUrl}/healthz in time:\n${output.slice(-30).join('\n')}`, 3);
    }
    await sleep(150);
  }
  return { port, baseUrl, tmpDir, userDataDir, pid, exited, output, stop };
}

function installExtension(csDir: string, vsix: string, userDataDir: string, extensionsDir: string, nodePath?: string): void {
  const result = childProcess.spawnSync(
    nodePath ?? process.execPath,
    [path.join(csDir, 'out/node/entry.js'), '--install-extension', path.resolve(vsix), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_DATA_HOME: path.join(userDataDir, '..', 'xdg-data') } },
  );
  if (result.status !== 0) {
    throw new HarnessError(`code-server could not install ${vsix}:\n${result.stdout}\n${result.stderr}`);
  }
}

// ---------------------------------------------------------------------------------------------
// chromium

export async function launchChromium(chromiumPath?: string, tmpDir?: string): Promise<Browser> {
  const executablePath = chromiumPath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new HarnessError(
      `Chromium not found at ${executablePath}. Install Debian's package (apt-get install -y chromium, ` +
        'or run npm run setup:editor) or set CHROMIUM_PATH.'
    );
  }
  let pw: typeof import('playwright-core');
  try {
    pw = await import('playwright-core');
  } catch {
    throw new HarnessError('playwright-core is not installed (npm install -D playwright-core).');
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined) {
      env[k] = v;
    }
  }
  if (tmpDir) {
    // keep chromium's crashpad/"Crash Reports" and caches out of $HOME
    env.XDG_CONFIG_HOME = path.join(tmpDir, 'chromium-config');
    env.XDG_CACHE_HOME = path.join(tmpDir, 'chromium-cache');
  }
  // Signals are handled by the runner (it must stop code-server too), not by playwright, whose
  // default SIGINT handling would close the browser and process.exit(130) before our cleanup ran.
  return pw.chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    env,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

/** Percent-encode each segment of an absolute POSIX path for use in a vscode-remote:// URI. */
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

export function workbenchUrl(
  server: { port: number; baseUrl: string },
  folder: string,
  tests?: { extensionDevelopmentPath: string; extensionTestsPath: string }
): string {
  const authority = `127.0.0.1:${server.port}`;
  let url = `${server.baseUrl}/?folder=${encodeURIComponent(path.resolve(folder))}`;
  if (tests) {
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${encodePath(path.resolve(tests.extensionDevelopmentPath))}`],
      ['extensionTestsPath', `vscode-remote://${authority}${encodePath(path.resolve(tests.extensionTestsPath))}`],
    ];
    url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }
  return url;
}

// ---------------------------------------------------------------------------------------------
// test run

export async function runTestsInCodeServer(opts: RunTestsOptions): Promise<RunTestsResult> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const out = opts.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const verbose = !!opts.verbose;
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;

  // --- validate inputs (fail fast with a clear message)
  const extDir = path.resolve(opts.extensionDevelopmentPath);
  const extPkgPath = path.join(extDir, 'package.json');
  if (!fs.existsSync(extPkgPath)) {
    throw new HarnessError(`extension development path has no package.json: ${extPkgPath}`);
  }
  const extPkg = JSON.parse(fs.readFileSync(extPkgPath, 'utf8'));
  if (extPkg.main) {
    const main = path.resolve(extDir, extPkg.main);
    if (![main, main + '.js'].some((p) => fs.existsSync(p))) {
      throw new HarnessError(`extension main not found: ${main} (build the extension first)`);
    }
  }
  let testsPath = path.resolve(opts.extensionTestsPath);
  if (!fs.existsSync(testsPath) && fs.existsSync(testsPath + '.js')) {
    testsPath += '.js';
  }
  if (!fs.existsSync(testsPath)) {
    throw new HarnessError(`tests module not found: ${opts.extensionTestsPath}`);
  }
  const workspace = path.resolve(opts.workspaceFolder);
  if (!fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory()) {
    throw new HarnessError(`workspace folder not found: ${workspace}`);
  }
  const chromiumPath = opts.chromiumPath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) {
    throw new HarnessError(
      `Chromium not found at ${chromiumPath}. Install Debian's package (apt-get install -y chromium, ` +
        'or run npm run setup:editor) or set CHROMIUM_PATH.'
    );
  }
  checkCodeServerInstall(resolveCodeServerDir(opts.codeServerDir));

  const tmpDir = opts.tmpDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'csrun-'));
  const resultFile = path.resolve(opts.resultFile ?? path.join(tmpDir, 'result.json'));
  fs.rmSync(resultFile, { force: true });

  let server: CodeServerHandle | undefined;
  let browser: Browser | undefined;
  let cleanupPromise: Promise<void> | undefined;
  // memoized: concurrent callers (signal, timeout, normal end) all wait for the same teardown
  const cleanup = () =>
    (cleanupPromise ??= (async () => {
      await browser?.close().catch(() => {});
      await server?.stop().catch(() => {});
      if (!opts.keepTmp && !opts.tmpDir) {
        for (let i = 0; i < 3; i++) {
          try {
            fs.rmSync(tmpDir, { recursive: true, force: true });
            break;
          } catch {
            await sleep(300); // a dying process may still create files
          }
        }
      }
    })());
  // Ctrl-C / kill: reject the run; the normal path below tears everything down and returns 130
  let rejectInterrupt!: (e: Error) => void;
  const interrupted = new Promise<never>((_, reject) => (rejectInterrupt = reject));
  interrupted.catch(() => {});
  const onSignal = (sig: NodeJS.Signals) => {
    out(`\n[code-server runner] ${sig} received, stopping code-server and chromium...`);
    rejectInterrupt(new HarnessError(`interrupted by ${sig}`, 130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let phase = 'starting code-server';
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HarnessError(`timed out after ${Math.round(timeoutMs / 1000)} s while ${phase}`, 3)),
      timeoutMs
    );
  });

  let ehExit: number | undefined;
  const work = (async () => {
    server = await startCodeServer({
      ...opts,
      folder: workspace,
      tmpDir,
      env: { ...(opts.env ?? {}), KIE_TEST_RESULT_FILE: resultFile },
      onServerOutput: verbose ? (l) => out(`[code-server] ${l}`) : undefined,
    });
    timings.serverReadyMs = Date.now() - t0;
    if (verbose) {
      out(`[code-server runner] code-server ${server.baseUrl} ready after ${timings.serverReadyMs} ms`);
    }

    phase = 'launching chromium';
    browser = await launchChromium(chromiumPath, tmpDir);
    const page = await browser.newPage();

    let resolveExit!: (code: number) => void;
    const exitReported = new Promise<number>((r) => (resolveExit = r));
    const failed = new Promise<never>((_, reject) => {
      page.on('crash', () => reject(new HarnessError('the workbench page crashed')));
      page.on('close', () => reject(new HarnessError('the workbench page closed before the tests reported an exit code')));
      void server!.exited.then((code) =>
        reject(new HarnessError(`code-server exited (code ${code}) during the run:\n${server!.output.slice(-30).join('\n')}`))
      );
    });
    failed.catch(() => {});

    // Hooks the web workbench calls in extension-test mode (the same ones @vscode/test-web uses).
    // Calls are serialized by the page, so output stays in order.
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const text = util.format(...(Array.isArray(args) ? args : [args]));
      if (!verbose && NOISE.some((re) => re.test(text))) {
        return;
      }
      out(type === 'error' || type === 'warn' ? `[${type}] ${text}` : text);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => {
      timings.exitReportedMs = Date.now() - t0;
      resolveExit(code);
    });
    if (verbose) {
      page.on('console', (m) => out(`[page console.${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => out(`[page error] ${e.message}`));
    }

    phase = 'loading the workbench and running the tests';
    const url = workbenchUrl(server, workspace, { extensionDevelopmentPath: extDir, extensionTestsPath: testsPath });
    if (verbose) {
      out(`[code-server runner] open ${url}`);
    }
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    timings.pageLoadedMs = Date.now() - t0;
    if (opts.onPage) {
      await opts.onPage(page);
    }
    ehExit = await Promise.race([exitReported, failed]);
  })();
  work.catch(() => {}); // on timeout it rejects later, during cleanup

  let exitCode = 2;
  let message = '';
  let result: TestResultFile | undefined;
  try {
    await Promise.race([work, timeout, interrupted]);
    if (fs.existsSync(resultFile)) {
      try {
        result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
      } catch (e) {
        message = `result file ${resultFile} is not valid JSON: ${e}`;
      }
    }
    if (ehExit === 0 && result && result.ok === false) {
      exitCode = 1;
      message = 'run() resolved but the result file reports failures';
    } else if (ehExit === 0 && !result && opts.requireResult) {
      exitCode = 1;
      message = `run() resolved but wrote no result file (${resultFile})`;
    } else if (ehExit === 0) {
      exitCode = 0;
      message = 'tests passed';
    } else {
      exitCode = 1;
      message = result
        ? `tests failed (${result.failed ?? '?'} failing, ${result.passed ?? '?'} passing)`
        : `run() rejected or the tests module could not be loaded (extension host exit code ${ehExit}); see the [error] lines above`;
    }
  } catch (err) {
    if (err instanceof HarnessError) {
      exitCode = err.exitCode;
      message = err.message;
    } else {
      exitCode = 2;
      message = `harness error: ${(err as Error)?.stack ?? err}`;
    }
  } finally {
    clearTimeout(timer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (opts.keepTmp) {
      out(`[code-server runner] kept temp dir ${tmpDir}`);
    }
    await cleanup();
  }
  const durationMs = Date.now() - t0;
  return { exitCode, extensionHostExitCode: ehExit, result, message, durationMs, timings };
}

/** A one-line explanation for the summary: harness errors name the missing piece. */
export function explainHarnessError(error: unknown): string {
  if (error instanceof HarnessError) {
    return error.message;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
