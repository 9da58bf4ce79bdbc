/**
 * P4 and P5, measured inside the real extension host (code-server's, started by run.ts through
 * runTestsInCodeServer with this module as the "extension tests"). Writes its figures as JSON to
 * KIE_TEST_RESULT_FILE; run.ts turns them into table rows.
 *
 * P4: the extension must not be active yet; `activate()` is timed by the caller and by the
 * extension host's own performance marks; the bundle's lazily initialised modules are read
 * (lazyModules.ts) right after activation, and whether the engine's bundle (dist/engine.js) is
 * loaded is checked then and again after the first upload.
 * P4 also, in a launch of its own (KIE_BENCH_ACTIVATION=markdown): activation as a user meets it,
 * by opening a Markdown file (onLanguage:markdown), timed by the same marks, with what it loaded.
 * P5: 5,000 history entries in the extension's global state, read by the project's UploadHistory
 * and RecentUploadsProvider (the compiled sources the bundle is made of) in this host.
 */
import { promises as fs } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { KieUploadApi } from '../../src/api';
import { UploadHistory, type HistoryStore, type StoredHistory } from '../../src/core/history';
import type { UploadRecord } from '../../src/core/types';
import type { TestingHandle } from '../../src/platform/testing';
import { GroupNode, RecentUploadsProvider, type RecentUploadsNode } from '../../src/views/recentUploadsView';
import { lazyModules, type LazyModule } from './lazyModules';

export const EXTENSION_ID = 'kie-file-upload.kie-file-upload';
/**
 * A key of its own in the extension's global state: the running extension's own history (on
 * 'kieUpload.history') re-applies its recent changes for minutes and would write over a list seeded
 * under its key. The update() cost is the same: the host sends the extension's whole state.
 */
const HISTORY_KEY = 'kieUpload.history.bench';
const HISTORY_ENTRIES = 5_000;

export interface ActivationFigures {
  activeBefore: boolean;
  /** `await extension.activate()` as another extension sees it, ms. */
  callerMs: number;
  /** From the extension host's marks (Date.now() resolution): module evaluation, then activate() itself. */
  codeLoadingMs?: number;
  activateCallMs?: number;
  /** The bundle's lazy modules right after activation. */
  lazyAtActivation: LazyModule[];
  /** Whether dist/engine.js is in the extension host's module cache. */
  engineAtActivation: boolean;
  engineAfterUpload: boolean;
  firstUploadMs: number;
  firstUploadOk: boolean;
  firstUploadError?: string;
}

export interface MarkdownActivationFigures {
  activeBefore: boolean;
  /** From openTextDocument() of a Markdown file until the extension reports active, as the caller polls it, ms. */
  openToActiveMs: number;
  codeLoadingMs?: number;
  activateCallMs?: number;
  lazyAtActivation: LazyModule[];
  engineAtActivation: boolean;
}

export interface HistoryFigures {
  entries: number;
  /** JSON size of the stored list, bytes. */
  storedBytes: number;
  /** Writing the 5,000 entries to the global state once, ms. */
  seedMs: number;
  /** Parsing the stored list (first list() after a reload), ms. */
  parseMs: number;
  /** getChildren() of the root and of every group (all 5,000 nodes), warm, median ms. */
  getChildrenMs: number;
  /** history.reload() with the tree attached: re-parses the stored list, median ms. */
  reloadMs: number;
  /** getTreeItem() of every node, ms. */
  getTreeItemsMs: number;
  /** history.add() with 5,000 entries, 11 in a row, median ms (add() returns before the write). */
  addMs: number;
  addRuns: number[];
  /** history.add() when the previous write has been stored (uploads that finish apart), median ms. */
  addAfterWriteMs: number;
  /** The global-state writes the 11 adds in a row caused (the history coalesces them). */
  addWrites: number;
  /** history.flush() after the 11 adds: until their write is stored, ms. */
  flushMs: number;
  /** add() then flush(), one entry at a time, median ms: an entry end to end into the global state. */
  addDurableMs: number;
  /** The synchronous part of globalState.update() (the host copies the value), median ms per write. */
  writeBlockingMs: number;
  /** The same at the default kieUpload.historyLimit (200 entries), median ms. */
  addAtDefaultLimitMs: number;
  addAtDefaultLimitDurableMs: number;
}

export interface ManyFilesFigures {
  files: number;
  bytesPerFile: number;
  /** kieUpload.uploadFiles(folder, [folder]) as the Explorer calls it, one per round, ms. */
  extensionMs: number[];
  /** Plain fetch of the same files from this host, 4 at a time, one per round, ms. */
  fetchMs: number[];
  /** The extension's outcomes of each round: how many had a link, and the first failure. */
  extensionOk: number[];
  fetchOk: number[];
  firstFailure?: string;
  /** Peak RSS of this extension host during the extension's uploads, above the RSS before them, bytes (worst round). */
  peakGrowth: number;
  fetchPeakGrowth: number;
  /** Where the profiles of the rounds went (KIE_BENCH_PROFILE, with -1, -2… before .cpuprofile). */
  profile?: string;
}

export interface ExtensionHostResult {
  ok: boolean;
  error?: string;
  activation?: ActivationFigures;
  markdownActivation?: MarkdownActivationFigures;
  history?: HistoryFigures;
  manyFiles?: ManyFilesFigures;
}

type TestApi = KieUploadApi & { testing: TestingHandle };

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function hostMarks(): Map<string, number> {
  const perf = (globalThis as { MonacoPerformanceMarks?: { getMarks(): Array<{ name: string; startTime: number }> } }).MonacoPerformanceMarks;
  return new Map((perf?.getMarks() ?? []).map((mark) => [mark.name, mark.startTime]));
}

function bundleActivate(extension: vscode.Extension<unknown>): (...args: never[]) => unknown {
  const pkg = extension.packageJSON as { main: string };
  const main = require.resolve(join(extension.extensionPath, pkg.main));
  const exports = require.cache[main]?.exports as { activate?: (...args: never[]) => unknown } | undefined;
  if (typeof exports?.activate !== 'function') {
    throw new Error(`the bundle ${main} is not in the module cache: the extension host loaded it some other way`);
  }
  return exports.activate;
}

function activationSpans(): { codeLoadingMs?: number; activateCallMs?: number } {
  const marks = hostMarks();
  const mark = (name: string) => marks.get(`code/extHost/${name}/${EXTENSION_ID}`);
  const span = (from: string, to: string) => {
    const a = mark(from);
    const b = mark(to);
    return a === undefined || b === undefined ? undefined : b - a;
  };
  return { codeLoadingMs: span('willLoadExtensionCode', 'didLoadExtensionCode'), activateCallMs: span('willActivateExtension', 'didActivateExtension') };
}

/** Activation the way a user triggers it: opening a Markdown file, no command, no activate() call. */
async function measureMarkdownActivation(): Promise<MarkdownActivationFigures> {
  const extension = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!extension || !folder) {
    throw new Error(`${EXTENSION_ID} is not installed in this editor, or no folder is open`);
  }
  const activeBefore = extension.isActive;
  const start = performance.now();
  const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'notes.md'));
  while (!extension.isActive && performance.now() - start < 10_000) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const openToActiveMs = performance.now() - start;
  if (!extension.isActive) {
    throw new Error(`opening ${document.uri.path} (${document.languageId}) did not activate the extension within 10 s`);
  }
  const lazyAtActivation = await lazyModules(bundleActivate(extension));
  const engineAtActivation = require.resolve(join(extension.extensionPath, 'dist/engine.js')) in require.cache;
  return { activeBefore, openToActiveMs, ...activationSpans(), lazyAtActivation, engineAtActivation };
}

async function measureActivation(): Promise<ActivationFigures> {
  const extension = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
  if (!extension) {
    throw new Error(`${EXTENSION_ID} is not installed in this editor`);
  }
  const activeBefore = extension.isActive;
  const profiler = process.env.KIE_BENCH_PROFILE ? await startProfiler() : undefined;
  const start = performance.now();
  const api = await extension.activate();
  const callerMs = performance.now() - start;
  await profiler?.stop(process.env.KIE_BENCH_PROFILE as string);
  const spans = activationSpans();
  const activate = bundleActivate(extension);
  const lazyAtActivation = await lazyModules(activate);
  const enginePath = require.resolve(join(extension.extensionPath, 'dist/engine.js'));
  const engineAtActivation = enginePath in require.cache;

  // The first upload, to the emulator run.ts started: this is when the HTTP stack may load.
  const url = process.env.KIE_BENCH_EMULATOR_URL;
  const key = process.env.KIE_BENCH_API_KEY;
  if (!url || !key) {
    throw new Error('KIE_BENCH_EMULATOR_URL and KIE_BENCH_API_KEY are not set');
  }
  const config = vscode.workspace.getConfiguration('kieUpload');
  await config.update('baseUrl', url, vscode.ConfigurationTarget.Global);
  await config.update('afterUpload', 'none', vscode.ConfigurationTarget.Global);
  await vscode.commands.executeCommand('kieUpload.setApiKey', key);
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    throw new Error('the bench needs a workspace folder');
  }
  const uploadStart = performance.now();
  const [outcome] = await api.uploadFiles([vscode.Uri.joinPath(folder.uri, 'notes.md')]);
  const firstUploadMs = performance.now() - uploadStart;
  const engineAfterUpload = enginePath in require.cache;
  return {
    activeBefore,
    callerMs,
    ...spans,
    lazyAtActivation,
    engineAtActivation,
    engineAfterUpload,
    firstUploadMs,
    firstUploadOk: !!outcome?.record,
    firstUploadError: outcome?.error?.message,
  };
}

/**
 * P9: a folder of `count` files of 1 KiB, uploaded as the Explorer does it, against the same files
 * sent with plain fetch from this host, 4 at a time, to the same emulator (run.ts makes it answer
 * after 5 ms). Rounds alternate who goes first. RSS is sampled every 5 ms.
 */
async function measureManyFiles(count: number, rounds: number): Promise<ManyFilesFigures> {
  const { api, url, key, folder } = await connectedApi();
  const dir = vscode.Uri.joinPath(folder.uri, `many-${count}`);
  await fs.mkdir(dir.fsPath, { recursive: true });
  const names = Array.from({ length: count }, (_, i) => `file-${String(i).padStart(5, '0')}.txt`);
  const block = Buffer.alloc(BYTES_PER_FILE, 'kie many files bench\n');
  await mapLimit(names, 32, (name, i) => fs.writeFile(join(dir.fsPath, name), Buffer.concat([Buffer.from(`${i}\n`), block]).subarray(0, BYTES_PER_FILE)));
  // The engine loads on the first upload: not part of what is measured.
  await api.uploadFiles([vscode.Uri.joinPath(folder.uri, 'notes.md')]);
  const figures: ManyFilesFigures = { files: count, bytesPerFile: BYTES_PER_FILE, extensionMs: [], fetchMs: [], extensionOk: [], fetchOk: [], peakGrowth: 0, fetchPeakGrowth: 0 };
  const extensionRound = async (profile: string | undefined) => {
    const profiler = profile ? await startProfiler() : undefined;
    const watch = watchRss();
    const start = performance.now();
    const outcomes = (await vscode.commands.executeCommand('kieUpload.uploadFiles', dir, [dir])) as Array<{ record?: unknown; error?: { message: string } }>;
    figures.extensionMs.push(performance.now() - start);
    figures.peakGrowth = Math.max(figures.peakGrowth, watch.stop());
    await profiler?.stop(profile as string);
    figures.extensionOk.push(outcomes.filter((outcome) => outcome.record).length);
    figures.firstFailure ??= outcomes.find((outcome) => outcome.error)?.error?.message;
  };
  const fetchRound = async () => {
    const watch = watchRss();
    const start = performance.now();
    const ok = await mapLimit(names, 4, async (name) => {
      const form = new FormData();
      form.append('file', new Blob([await fs.readFile(join(dir.fsPath, name))]), name);
      form.append('uploadPath', 'bench/p9-fetch');
      form.append('fileName', name);
      const response = await fetch(`${url}/api/file-stream-upload`, { method: 'POST', headers: { Authorization: `Bearer ${key}` }, body: form });
      const body = (await response.json()) as { success?: boolean; code?: number };
      return response.ok && (body.success === true || body.code === 200);
    });
    figures.fetchMs.push(performance.now() - start);
    figures.fetchPeakGrowth = Math.max(figures.fetchPeakGrowth, watch.stop());
    figures.fetchOk.push(ok.filter(Boolean).length);
  };
  for (let round = 0; round < rounds; round++) {
    const profile = process.env.KIE_BENCH_PROFILE ? `${process.env.KIE_BENCH_PROFILE.replace(/\.cpuprofile$/, '')}-${round + 1}.cpuprofile` : undefined;
    if (round % 2) {
      await fetchRound();
      await extensionRound(profile);
    } else {
      await extensionRound(profile);
      await fetchRound();
    }
  }
  figures.profile = process.env.KIE_BENCH_PROFILE;
  return figures;
}

const BYTES_PER_FILE = 1024;

/** The extension, active, pointed at the bench's emulator with its key, links not copied anywhere. */
async function connectedApi(): Promise<{ api: TestApi; url: string; key: string; folder: vscode.WorkspaceFolder }> {
  const extension = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
  const url = process.env.KIE_BENCH_EMULATOR_URL;
  const key = process.env.KIE_BENCH_API_KEY;
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!extension || !url || !key || !folder) {
    throw new Error('the bench needs the extension, KIE_BENCH_EMULATOR_URL, KIE_BENCH_API_KEY and a workspace folder');
  }
  const api = await extension.activate();
  const config = vscode.workspace.getConfiguration('kieUpload');
  await config.update('baseUrl', url, vscode.ConfigurationTarget.Global);
  await config.update('afterUpload', 'none', vscode.ConfigurationTarget.Global);
  await vscode.commands.executeCommand('kieUpload.setApiKey', key);
  return { api, url, key, folder };
}

/** Peak RSS above the RSS at the start, sampled every 5 ms until stop(). */
function watchRss(): { stop(): number } {
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) - before;
    },
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index], index);
      }
    }),
  );
  return results;
}

/** A CPU profile of activation, for looking into where its time goes (KIE_BENCH_PROFILE=<file>). */
async function startProfiler(): Promise<{ stop(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      session.disconnect();
      await fs.writeFile(file, JSON.stringify(profile));
    },
  };
}

/** The value the history stores in the global state. */
function stored(records: UploadRecord[]): StoredHistory {
  return { v: 2, records, removed: [] };
}

/** 5,000 plausible entries: a spread of types, sizes and ages, some expired, some expiring. */
export function syntheticHistory(count: number, now: number): UploadRecord[] {
  const types = [
    ['png', 'image/png'],
    ['mp4', 'video/mp4'],
    ['pdf', 'application/pdf'],
    ['csv', 'text/csv'],
    ['zip', 'application/zip'],
  ];
  const hour = 3_600_000;
  return Array.from({ length: count }, (_, i) => {
    const [extension, mimeType] = types[i % types.length];
    const uploadedAt = now - (i * 97 * 60_000) % (100 * hour);
    const folder = `vscode-uploads/${(i * 2654435761).toString(36).slice(-10)}`;
    const fileName = `capture-${String(i).padStart(5, '0')}.${extension}`;
    return {
      id: `file_${i.toString(16).padStart(8, '0')}`,
      fileName,
      fileSize: 1024 + ((i * 7919) % 50_000_000),
      mimeType,
      uploadPath: folder,
      url: `https://tempfile.redpandaai.co/${folder}/${fileName}`,
      downloadUrl: `https://tempfile.redpandaai.co/download/file_${i.toString(16).padStart(8, '0')}`,
      uploadedAt: new Date(uploadedAt).toISOString(),
      expiresAt: new Date(uploadedAt + 72 * hour).toISOString(),
      method: i % 3 === 0 ? 'base64' : 'stream',
      source: `file:///home/user/project/assets/${fileName}`,
    };
  });
}

/** A history store over the extension's global state, as extension.ts builds it, timing the writes. */
function timedStore(state: vscode.Memento): { timing: { writes: number; blockingMs: number[] }; store: HistoryStore } {
  const timing = { writes: 0, blockingMs: [] as number[] };
  return {
    timing,
    store: {
      get: () => state.get(HISTORY_KEY),
      set: (value: StoredHistory) => {
        const start = performance.now();
        const written = state.update(HISTORY_KEY, value);
        timing.blockingMs.push(performance.now() - start);
        timing.writes++;
        return written;
      },
    },
  };
}

/**
 * history.add() of `runs` new records to a history of `size`: in a row (the writes follow in the
 * background), then one at a time with flush() after each (add alone, and add + write).
 */
async function timeAdds(state: vscode.Memento, size: number, runs: number) {
  await state.update(HISTORY_KEY, stored(syntheticHistory(size, Date.now())));
  const { store, timing } = timedStore(state);
  const history = new UploadHistory(store, { limit: size });
  history.list();
  const newRecords = (prefix: string, offsetMs: number) =>
    syntheticHistory(runs, Date.now() + offsetMs).map((record, i) => ({ ...record, id: `file_${prefix}_${i}`, fileName: `${prefix}-${i}.png` }));
  const total: number[] = [];
  for (const record of newRecords('new', 60_000)) {
    const start = performance.now();
    await history.add(record);
    total.push(performance.now() - start);
  }
  const flushStart = performance.now();
  await history.flush();
  const flushMs = performance.now() - flushStart;
  const writes = timing.writes;
  const afterWrite: number[] = [];
  const durable: number[] = [];
  for (const record of newRecords('more', 120_000)) {
    const start = performance.now();
    await history.add(record);
    afterWrite.push(performance.now() - start);
    await history.flush();
    durable.push(performance.now() - start);
  }
  return { history, total, flushMs, writes, afterWrite, durable, blocking: timing.blockingMs };
}

async function measureHistory(): Promise<HistoryFigures> {
  const extension = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
  const api = await extension?.activate();
  if (!api?.testing) {
    throw new Error('the extension did not return its testing handle (is it running in ExtensionMode.Test?)');
  }
  const state = api.testing.globalState;
  const records = syntheticHistory(HISTORY_ENTRIES, Date.now());
  const seedStart = performance.now();
  await state.update(HISTORY_KEY, stored(records));
  const seedMs = performance.now() - seedStart;

  const history = new UploadHistory(timedStore(state).store, { limit: HISTORY_ENTRIES });
  const parseStart = performance.now();
  const listed = history.list();
  const parseMs = performance.now() - parseStart;
  if (listed.length !== HISTORY_ENTRIES) {
    throw new Error(`the history read ${listed.length} of ${HISTORY_ENTRIES} entries`);
  }
  const provider = new RecentUploadsProvider(history);
  const everyNode = (): RecentUploadsNode[] => {
    const groups = provider.getChildren();
    return [...groups, ...groups.flatMap((group) => (group instanceof GroupNode ? provider.getChildren(group) : []))];
  };
  const warm: number[] = [];
  const reloads: number[] = [];
  let nodes: RecentUploadsNode[] = [];
  for (let i = 0; i < 7; i++) {
    // A reload (window focus, another window's change) drops the cache; the provider's listener re-reads.
    const reloadStart = performance.now();
    history.reload();
    reloads.push(performance.now() - reloadStart);
    const warmStart = performance.now();
    nodes = everyNode();
    warm.push(performance.now() - warmStart);
  }
  const itemsStart = performance.now();
  for (const node of nodes) {
    provider.getTreeItem(node);
  }
  const getTreeItemsMs = performance.now() - itemsStart;
  provider.dispose();
  history.dispose();

  const large = await timeAdds(state, HISTORY_ENTRIES, 11);
  // After the flush()es: the value the last write stored.
  const storedBytes = Buffer.byteLength(JSON.stringify(state.get(HISTORY_KEY)));
  const entries = large.history.list().length;
  large.history.dispose();
  const small = await timeAdds(state, 200, 11);
  small.history.dispose();
  await state.update(HISTORY_KEY, undefined);
  return {
    entries,
    storedBytes,
    seedMs,
    parseMs,
    getChildrenMs: median(warm),
    reloadMs: median(reloads),
    getTreeItemsMs,
    addMs: median(large.total),
    addRuns: large.total,
    addAfterWriteMs: median(large.afterWrite),
    addWrites: large.writes,
    flushMs: large.flushMs,
    addDurableMs: median(large.durable),
    writeBlockingMs: median(large.blocking),
    addAtDefaultLimitMs: median(small.total),
    addAtDefaultLimitDurableMs: median(small.durable),
  };
}

export async function run(): Promise<void> {
  const result: ExtensionHostResult = { ok: false };
  try {
    if (process.env.KIE_BENCH_ACTIVATION === 'markdown') {
      result.markdownActivation = await measureMarkdownActivation();
    } else if (process.env.KIE_BENCH_MANY_FILES) {
      result.manyFiles = await measureManyFiles(Number(process.env.KIE_BENCH_MANY_FILES), Number(process.env.KIE_BENCH_MANY_ROUNDS ?? 3));
    } else {
      result.activation = await measureActivation();
      result.history = await measureHistory();
    }
    result.ok = true;
  } catch (error) {
    result.error = String((error as Error)?.stack ?? error);
  }
  const file = process.env.KIE_TEST_RESULT_FILE;
  if (file) {
    await fs.writeFile(file, JSON.stringify(result));
  }
  if (!result.ok) {
    throw new Error(result.error);
  }
}
