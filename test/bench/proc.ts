/**
 * Memory figures of the current process, from Linux's /proc (with portable fallbacks):
 * the bench measures the uploading process itself, never the whole machine.
 */
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** The pace of the bench's network link (emulatorHost.ts): 250 MB/s, 2 Gbit/s, a fast office or data-centre line. */
export const LINK_BYTES_PER_SECOND = 250e6;

export interface MemorySample {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size (VmHWM) since the process started or since the last resetPeak(), bytes. */
  peak: number;
}

/** VmRSS and VmHWM of this process; elsewhere than Linux, process.memoryUsage() and resourceUsage(). */
export function sampleMemory(): MemorySample {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * KiB;
    const rss = field('VmRSS');
    const peak = field('VmHWM');
    if (Number.isFinite(rss) && Number.isFinite(peak)) {
      return { rss, peak };
    }
  } catch {
    /* not Linux */
  }
  return { rss: process.memoryUsage.rss(), peak: process.resourceUsage().maxRSS * KiB };
}

/**
 * Restarts the peak (VmHWM) from the current RSS, so that a later peak is the measured step's own.
 * Linux ≥ 4.0 (`echo 5 > /proc/self/clear_refs`). Returns false where that is not possible: the
 * caller then compares peaks taken before and after, which can only under-report growth if the
 * set-up itself peaked higher.
 */
export function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** What this process's file descriptors point at (Linux): paths, `socket:[…]`, `pipe:[…]`; undefined elsewhere. */
export function openFiles(): string[] | undefined {
  try {
    return readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/self/fd/${fd}`)];
      } catch {
        return []; // the descriptor of the directory listing itself, already closed
      }
    });
  } catch {
    return undefined;
  }
}

/** Bytes of live JavaScript memory (V8 heap plus buffers) after a full GC, when the process runs with --expose-gc. */
export function liveMemory(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    return undefined;
  }
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** A peak-RSS probe around one measured step: growth = peak during the step − RSS before it. */
export class PeakProbe {
  readonly before: MemorySample;
  private readonly resettable: boolean;

  constructor() {
    this.resettable = resetPeak();
    this.before = sampleMemory();
  }

  /** Bytes the peak rose above the RSS at the start. */
  growth(): number {
    const after = sampleMemory();
    const base = this.resettable ? this.before.rss : Math.max(this.before.rss, this.before.peak);
    return Math.max(0, after.peak - base);
  }
}
