/**
 * One measured case, in a fresh process: `node out/test/bench/worker.js '<spec JSON>'`.
 * Loads what the case needs, restarts the peak-RSS counter, runs the case, and prints one JSON
 * line (WorkerResult) on stdout. No warm-up: a first upload in a fresh process is what users get.
 */
import { openAsBlob, promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fetch, FormData, request } from 'undici';
import { base64JsonBody, fileSource } from '../../src/core/bodies';
import { KieClient } from '../../src/core/client';
import { prepareImage } from '../../src/core/images/prepare';
import { nullLogger } from '../../src/core/types';
import { batchWorkers, mapConcurrent } from '../../src/core/pool';
import { scanLinkTargets } from '../../src/core/markdownScan';
import { inspectFile } from '../../src/core/sensitive';
import { jpegSegments, readExif } from '../fixtures/exif';
import { liveMemory, MiB, openFiles, PeakProbe, sampleMemory } from './proc';

export interface UploadTarget {
  url: string;
  key: string;
  /** Used as uploadPath; the file name is the file's own. */
  folder: string;
}

export type WorkerSpec =
  /**
   * KieClient.uploadFile, the extension's engine. `images`: the image settings (default: as a fresh
   * install, location removed); `all` also removes all metadata and optimises. `checkPlace`: fetch
   * the link's first bytes afterwards and report whether Exif GPS is left (`gpsLeft`).
   */
  | (UploadTarget & { kind: 'client'; method: 'stream' | 'base64'; file: string; images?: ImageBench; checkPlace?: boolean })
  /** A stream upload as UploadService makes it: the sensitive-file guard (inspectFile) first, or not. */
  | (UploadTarget & { kind: 'guarded'; file: string; guard: boolean })
  /** A stream upload with the SHA-256 taken while it streams (the default), or without. */
  | (UploadTarget & { kind: 'hashed'; file: string; hash: boolean })
  /** undici fetch + FormData + fs.openAsBlob: the obvious code. */
  | (UploadTarget & { kind: 'fetch'; file: string })
  /** readFile + toString('base64') + JSON.stringify + undici request: the obvious base64 code. */
  | (UploadTarget & { kind: 'naive-base64'; file: string })
  /** The engine's base64 JSON body drained without a network: what the encoder costs alone. */
  | { kind: 'encoder'; file: string }
  /** Many files: one await per file, or mapConcurrent at `concurrency`. */
  | (UploadTarget & { kind: 'batch'; files: string[]; concurrency: number | 'sequential' })
  /** URL uploads of `count` files served by an origin in this process, `concurrency` at once, as UploadService.uploadUrls runs them. */
  | (UploadTarget & { kind: 'urls'; count: number; concurrency: number })
  /** A stream upload aborted once `abortAt` of its bytes were sent. */
  | (UploadTarget & { kind: 'cancel'; file: string; abortAt: number })
  /** The link scan of a Markdown file, or markdown-it's parse of it: a first call, then `runs` more. */
  | { kind: 'markdown'; parser: 'scanner' | 'markdown-it'; file: string; runs: number };

export type ImageBench = 'off' | 'location' | 'all';

const IMAGE_SETTINGS: Record<ImageBench, { imageMetadata: { removeLocation: boolean; removeAllMetadata: boolean }; imageOptimize: unknown }> = {
  off: { imageMetadata: { removeLocation: false, removeAllMetadata: false }, imageOptimize: 'off' },
  location: { imageMetadata: { removeLocation: true, removeAllMetadata: false }, imageOptimize: 'off' },
  all: { imageMetadata: { removeLocation: true, removeAllMetadata: true }, imageOptimize: { maxWidth: 1920, format: 'webp' } },
};

export interface WorkerResult {
  ok: boolean;
  error?: string;
  /** Duration of the measured step, ms. */
  ms: number;
  /** CPU time (user + system) of this process during the step, ms. */
  cpuMs: number;
  /** RSS before the step, bytes. */
  rssBefore: number;
  /** Peak RSS during the step minus RSS before it, bytes. */
  peakGrowth: number;
  /** Case-specific figures. */
  extra?: Record<string, unknown>;
  /** Where the CPU time went during the step (process.resourceUsage deltas), for diagnosis. */
  usage?: StepUsage;
}

export interface StepUsage {
  userMs: number;
  systemMs: number;
  minorFaults: number;
  voluntarySwitches: number;
  involuntarySwitches: number;
}

const now = (): number => performance.timeOrigin + performance.now();

function client(target: UploadTarget, maxRequests?: number, images: ImageBench = 'location', hashUploads?: boolean): KieClient {
  return new KieClient(
    { baseUrl: target.url, uploadPath: target.folder, retentionHours: 72, retry: { maxRetries: 0 }, maxRequests, hashUploads, ...IMAGE_SETTINGS[images] },
    { getApiKey: () => target.key },
  );
}

/** Whether the Exif at the start of a hosted JPEG still has a GPS directory (reads its first 256 KiB only). */
async function gpsLeft(url: string): Promise<boolean> {
  const response = await fetch(url);
  const reader = response.body!.getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  while (length < 256 * 1024) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    parts.push(value);
    length += value.length;
  }
  await reader.cancel();
  const head = Buffer.concat(parts);
  const exif = jpegSegments(head).find((segment) => segment.body.toString('latin1', 0, 4) === 'Exif');
  return exif ? readExif(exif.body).gps > 0 : false;
}

async function measure(step: () => Promise<Record<string, unknown> | void>): Promise<WorkerResult> {
  const probe = new PeakProbe();
  const cpu = process.cpuUsage();
  const usage = process.resourceUsage();
  const start = performance.now();
  let extra: Record<string, unknown> | undefined;
  let error: string | undefined;
  try {
    extra = (await step()) ?? undefined;
  } catch (caught) {
    error = String((caught as Error)?.stack ?? caught);
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ok: !error, error, ms, cpuMs: (used.user + used.system) / 1000, rssBefore: probe.before.rss, peakGrowth: probe.growth(), extra, usage: usageSince(usage) };
}

function usageSince(before: NodeJS.ResourceUsage): StepUsage {
  const after = process.resourceUsage();
  return {
    userMs: (after.userCPUTime - before.userCPUTime) / 1000,
    systemMs: (after.systemCPUTime - before.systemCPUTime) / 1000,
    minorFaults: after.minorPageFault - before.minorPageFault,
    voluntarySwitches: after.voluntaryContextSwitches - before.voluntaryContextSwitches,
    involuntarySwitches: after.involuntaryContextSwitches - before.involuntaryContextSwitches,
  };
}

async function fetchUpload(target: UploadTarget, file: string): Promise<unknown> {
  const form = new FormData();
  form.append('file', await openAsBlob(file), basename(file));
  form.append('uploadPath', target.folder);
  form.append('fileName', basename(file));
  const response = await fetch(`${target.url}/api/file-stream-upload`, { method: 'POST', headers: { authorization: `Bearer ${target.key}` }, body: form });
  const envelope = (await response.json()) as { success?: boolean; msg?: string };
  if (!envelope.success) {
    throw new Error(`HTTP ${response.status}: ${envelope.msg}`);
  }
  return envelope;
}

async function naiveBase64Upload(target: UploadTarget, file: string): Promise<unknown> {
  const data = await fs.readFile(file);
  const body = JSON.stringify({ base64Data: `data:application/octet-stream;base64,${data.toString('base64')}`, uploadPath: target.folder, fileName: basename(file) });
  const response = await request(`${target.url}/api/file-base64-upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
    body,
  });
  const envelope = (await response.body.json()) as { success?: boolean; msg?: string };
  if (!envelope.success) {
    throw new Error(`HTTP ${response.statusCode}: ${envelope.msg}`);
  }
  return envelope;
}

async function runCase(spec: WorkerSpec): Promise<WorkerResult> {
  switch (spec.kind) {
    case 'client': {
      const engine = client(spec, undefined, spec.images);
      // P10: what the image settings' own step costs this file, timed alone just before the measured
      // upload (which runs it again). Other cases (P1) do not open the file before their upload.
      let prepareMs: number | undefined;
      if (spec.images) {
        const settings = IMAGE_SETTINGS[spec.images];
        const prepareStart = performance.now();
        await prepareImage({ path: spec.file }, basename(spec.file), { ...settings.imageMetadata, optimize: settings.imageOptimize }, nullLogger);
        prepareMs = performance.now() - prepareStart;
      }
      const result = await measure(async () => {
        const start = performance.now();
        let sentMs: number | undefined;
        const onProgress = (sent: number, total: number) => {
          if (sent === total && sentMs === undefined) {
            sentMs = performance.now() - start;
          }
        };
        const record = await engine.uploadFile(spec.file, { method: spec.method }, { onProgress });
        return { fileSize: record.fileSize, sentMs, url: record.url, notes: record.notes, prepareMs };
      });
      await engine.close();
      if (spec.checkPlace && result.ok) {
        result.extra = { ...result.extra, gpsLeft: await gpsLeft(String(result.extra?.url)) };
      }
      return result;
    }
    case 'guarded': {
      const engine = client(spec);
      const result = await measure(async () => {
        const start = performance.now();
        if (spec.guard) {
          const found = await inspectFile(spec.file, []);
          if (found) {
            throw new Error(`the guard held back ${basename(spec.file)} (${found.kind})`);
          }
        }
        const guardMs = performance.now() - start;
        const record = await engine.uploadFile(spec.file, { method: 'stream' });
        return { fileSize: record.fileSize, guardMs };
      });
      await engine.close();
      return result;
    }
    case 'hashed': {
      const engine = client(spec, undefined, undefined, spec.hash);
      const result = await measure(async () => {
        const record = await engine.uploadFile(spec.file, { method: 'stream' });
        if (!spec.hash && record.sha256) {
          throw new Error('hashing off, but the record has a hash');
        }
        // With hashing on, the hash may have been given up because it fell behind the upload.
        return { fileSize: record.fileSize, sha256: record.sha256 };
      });
      await engine.close();
      return result;
    }
    case 'fetch':
      return measure(async () => void (await fetchUpload(spec, spec.file)));
    case 'naive-base64':
      return measure(async () => void (await naiveBase64Upload(spec, spec.file)));
    case 'encoder': {
      const { size } = await fs.stat(spec.file);
      return measure(async () => {
        let encoded = 0;
        for await (const chunk of base64JsonBody(fileSource(spec.file, size), 'application/octet-stream', { uploadPath: 'bench' }).chunks()) {
          encoded += Buffer.byteLength(chunk);
        }
        return { fileSize: size, encoded };
      });
    }
    case 'batch': {
      const concurrency = spec.concurrency;
      // As UploadService runs a batch: maxConcurrentUploads requests at once, as many more preparing.
      const engine = client(spec, concurrency === 'sequential' ? undefined : concurrency);
      const result = await measure(async () => {
        if (concurrency === 'sequential') {
          for (const file of spec.files) {
            await engine.uploadFile(file);
          }
        } else {
          await mapConcurrent(spec.files, batchWorkers(concurrency), (file) => engine.uploadFile(file));
        }
        return { files: spec.files.length };
      });
      await engine.close();
      return result;
    }
    case 'urls':
      return urlBatch(spec);
    case 'cancel':
      return cancel(spec);
    case 'markdown':
      return markdown(spec);
  }
}

/**
 * Times each call separately: the first in a fresh process (code not yet compiled by the JIT), as
 * when the first Markdown file of a window opens; the later ones as when a document changes.
 * `found` is what the parse found: the scanner's destinations, markdown-it's links and images.
 */
async function markdown(spec: Extract<WorkerSpec, { kind: 'markdown' }>): Promise<WorkerResult> {
  const text = await fs.readFile(spec.file, 'utf8');
  // markdown-it is loaded only here, so the upload cases never carry it.
  const parser = spec.parser === 'scanner' ? linkScan() : await markdownIt();
  return measure(async () => {
    const times: number[] = [];
    for (let run = 0; run <= spec.runs; run++) {
      const start = performance.now();
      parser.parse(text);
      times.push(performance.now() - start);
    }
    return { firstMs: times[0], laterMs: times.slice(1), found: parser.found(), bytes: Buffer.byteLength(text) };
  });
}

interface TimedParser {
  parse(doc: string): void;
  /** What the last parse found, counted outside the timed call. */
  found(): number;
}

function linkScan(): TimedParser {
  let last: unknown[] = [];
  return { parse: (doc) => void (last = scanLinkTargets(doc)), found: () => last.length };
}

/** markdown-it as VS Code's Markdown preview sets it up (HTML on); found: its links and images. */
async function markdownIt(): Promise<TimedParser> {
  const { default: MarkdownIt } = await import('markdown-it');
  const parser = new MarkdownIt({ html: true });
  type Tokens = ReturnType<typeof parser.parse>;
  const count = (tokens: Tokens): number => tokens.reduce((n, token) => n + (token.type === 'link_open' || token.type === 'image' ? 1 : 0) + (token.children ? count(token.children) : 0), 0);
  let last: Tokens = [];
  return { parse: (doc) => void (last = parser.parse(doc, {})), found: () => count(last) };
}

/** A batch of URL uploads: an origin serves 1 KiB files here; the emulator fetches each itself. */
async function urlBatch(spec: Extract<WorkerSpec, { kind: 'urls' }>): Promise<WorkerResult> {
  const body = Buffer.alloc(1024, 7);
  const origin = createServer((_request, response) => response.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length }).end(body));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const port = (origin.address() as AddressInfo).port;
  const urls = Array.from({ length: spec.count }, (_, i) => `http://127.0.0.1:${port}/shots/${i}.png`);
  const engine = client(spec, spec.concurrency);
  try {
    return await measure(async () => {
      const records = await mapConcurrent(urls, batchWorkers(spec.concurrency), (url) => engine.uploadUrl(url));
      return { urls: records.length };
    });
  } finally {
    await engine.close();
    origin.close();
  }
}

/**
 * Aborts a stream upload once `abortAt` of it was sent, then watches this process come back to
 * where it was before the upload: the promise settled as cancelled, the file and the socket
 * closed, no handles left over, and live memory (after a full GC; the case runs with --expose-gc)
 * within 4 MiB of what it was. RSS is reported beside it: freed pages the allocator keeps.
 */
async function cancel(spec: Extract<WorkerSpec, { kind: 'cancel' }>): Promise<WorkerResult> {
  const engine = client(spec);
  const sockets = (files: string[] | undefined) => files?.filter((target) => target.startsWith('socket:')).length ?? 0;
  const handles = () => process.getActiveResourcesInfo().filter((kind) => kind !== 'Timeout').length;
  const socketsBefore = sockets(openFiles());
  const handlesBefore = handles();
  const liveBefore = liveMemory();
  const controller = new AbortController();
  let abortedAt = 0;
  let sentAtAbort = 0;
  let total = 0;
  let settledAt = 0;
  let errorCode: string | undefined;
  const result = await measure(async () => {
    try {
      await engine.uploadFile(spec.file, {}, {
        signal: controller.signal,
        onProgress: (sent, all) => {
          total = all;
          if (!abortedAt && sent >= all * spec.abortAt) {
            sentAtAbort = sent;
            abortedAt = now();
            controller.abort();
          }
        },
      });
    } catch (error) {
      errorCode = (error as { code?: string }).code;
    }
    settledAt = now();
  });
  const state = () => {
    const files = openFiles();
    const live = liveMemory();
    return {
      fileOpen: files?.includes(spec.file) ?? false,
      sockets: sockets(files),
      handles: handles(),
      live,
      back: !(files?.includes(spec.file) ?? false) && sockets(files) <= socketsBefore && handles() <= handlesBefore && (live === undefined || liveBefore === undefined || live <= liveBefore + 4 * MiB),
    };
  };
  let last = state();
  while (!last.back && now() - abortedAt < 2000) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    last = state();
  }
  const baselineAt = last.back ? now() : undefined;
  return {
    ...result,
    ok: result.ok && errorCode === 'cancelled',
    error: result.error ?? (errorCode === 'cancelled' ? undefined : `the upload ended with ${errorCode ?? 'success'}, not "cancelled"`),
    extra: {
      abortedAt,
      sentAtAbort,
      total,
      settleMs: settledAt - abortedAt,
      baselineMs: baselineAt === undefined ? undefined : baselineAt - abortedAt,
      gcAvailable: liveBefore !== undefined,
      liveBefore,
      liveAfter: last.live,
      rssAfter: sampleMemory().rss,
      stillOpen: { file: last.fileOpen, sockets: last.sockets - socketsBefore, handles: last.handles - handlesBefore },
      errorCode,
    },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as WorkerSpec;
  const result = await runCase(spec).catch((error: unknown): WorkerResult => ({ ok: false, error: String((error as Error)?.stack ?? error), ms: 0, cpuMs: 0, rssBefore: 0, peakGrowth: 0 }));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  void main();
}
