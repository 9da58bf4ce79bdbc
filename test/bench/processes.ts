/**
 * The processes of a bench run: the emulator in a child of its own, one fresh worker process per
 * measured case, and curl as the baseline.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EmulatorCommand, EmulatorHostStats, InFlightChange } from './emulatorHost';
import type { WorkerResult, WorkerSpec } from './worker';
import { KiB } from './proc';

type CommandName = EmulatorCommand['cmd'];

export interface StoredFiles {
  stored: Array<{ uploadPath: string; fileName: string; fileSize: number }>;
  partial: string[];
}

/** The emulator, in its own process (see emulatorHost.ts), driven over IPC. */
export class EmulatorProcess {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    /** The discard server beside the emulator (same process). */
    readonly sinkUrl: string,
    /** The emulator behind a link paced to 250 MB/s (same process). */
    readonly linkUrl: string,
    readonly pid: number,
  ) {
    child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (waiter && message.id !== undefined) {
        this.pending.delete(message.id);
        if (message.error) {
          waiter.reject(new Error(message.error));
        } else {
          waiter.resolve(message.result);
        }
      }
    });
    child.on('exit', () => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error('the emulator process exited'));
      }
      this.pending.clear();
    });
  }

  static start(apiKey: string): Promise<EmulatorProcess> {
    const child = fork(join(__dirname, 'emulatorHost.js'), [apiKey], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const onMessage = (message: { ready?: boolean; url?: string; sinkUrl?: string; linkUrl?: string; pid?: number }) => {
        if (message.ready && message.url && message.sinkUrl && message.linkUrl) {
          child.off('message', onMessage);
          resolve(new EmulatorProcess(child, message.url, message.sinkUrl, message.linkUrl, message.pid ?? child.pid ?? 0));
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the emulator process exited with ${code} before it listened`)));
    });
  }

  command(cmd: 'stats'): Promise<EmulatorHostStats>;
  command(cmd: 'unwatch'): Promise<InFlightChange[]>;
  command(cmd: 'files'): Promise<StoredFiles>;
  command(cmd: 'latency', extra: { ms: number }): Promise<unknown>;
  command(cmd: CommandName, extra?: object): Promise<unknown>;
  command(cmd: CommandName, extra: object = {}): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, ...extra });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) {
      return;
    }
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.command('close').catch(() => undefined);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
    if (this.child.exitCode === null) {
      this.child.kill('SIGKILL');
    }
  }
}

/** Runs one case in a fresh Node process (worker.js) and returns what it measured. */
export function runWorker(spec: WorkerSpec): Promise<WorkerResult> {
  return new Promise((resolve) => {
    // The cancel case forces GCs to tell live memory from pages the allocator merely keeps.
    const flags = spec.kind === 'cancel' ? ['--expose-gc'] : [];
    const child = spawn(process.execPath, [...flags, join(__dirname, 'worker.js'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as WorkerResult);
      } catch {
        resolve({ ok: false, error: `worker exited with ${code}: ${(err || out).trim().slice(-500)}`, ms: 0, cpuMs: 0, rssBefore: 0, peakGrowth: 0 });
      }
    });
  });
}

export interface CurlResult {
  ok: boolean;
  error?: string;
  /** curl's own time_total, ms. */
  ms: number;
  /** From spawn to exit, ms. */
  wallMs: number;
  /** curl's peak RSS (VmHWM, polled every 10 ms), bytes. */
  peak: number;
}

/** `curl -F file=@…` to the stream endpoint, the baseline of P1. */
export function runCurl(url: string, key: string, file: string, folder: string): Promise<CurlResult> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(
      'curl',
      ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '-H', `Authorization: Bearer ${key}`, '-F', `file=@${file}`, '-F', `uploadPath=${folder}`, `${url}/api/file-stream-upload`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let peak = 0;
    const poll = setInterval(() => {
      try {
        const hwm = /^VmHWM:\s*(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        peak = Math.max(peak, Number(hwm?.[1] ?? 0) * KiB);
      } catch {
        /* exited, or not Linux */
      }
    }, 10);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', (error) => {
      clearInterval(poll);
      resolve({ ok: false, error: `curl could not run: ${error.message}`, ms: 0, wallMs: 0, peak: 0 });
    });
    child.on('close', (code) => {
      clearInterval(poll);
      const wallMs = performance.now() - start;
      const [status, seconds] = out.trim().split(' ');
      const ok = code === 0 && status === '200';
      resolve({ ok, error: ok ? undefined : `curl exited ${code}, HTTP ${status}: ${err.trim()}`, ms: Number(seconds) * 1000, wallMs, peak });
    });
  });
}
