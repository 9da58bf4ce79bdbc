/** The bench's output: one Markdown table row per figure, machine facts, and notes on method. */
import { cpus, totalmem, type as osType, release } from 'node:os';
import { GiB, KiB, MiB } from './proc';

export type Verdict = 'pass' | 'fail' | 'reported' | 'error';

export interface Row {
  id: string;
  what: string;
  measured: string;
  comparedWith: string;
  figure: string;
  target: string;
  verdict: Verdict;
}

export interface MachineFacts {
  date: string;
  cpuCount: number;
  cpuModel: string;
  node: string;
  os: string;
  memory: string;
}

export function machineFacts(): MachineFacts {
  const list = cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpuCount: list.length,
    cpuModel: list[0]?.model?.trim() ?? 'unknown',
    node: process.version,
    os: `${osType()} ${release()}`,
    memory: bytes(totalmem()),
  };
}

export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) {
    return 'n/a';
  }
  if (value >= 1000) {
    return `${(value / 1000).toFixed(2)} s`;
  }
  return value >= 10 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

export function bytes(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) {
    return 'n/a';
  }
  if (value >= GiB) {
    return `${(value / GiB).toFixed(2)} GiB`;
  }
  if (value >= MiB) {
    return `${(value / MiB).toFixed(1)} MiB`;
  }
  return value >= KiB ? `${(value / KiB).toFixed(0)} KiB` : `${value} B`;
}

/** `1.07×`; `digits` 3 where a figure sits next to a target with 2 (1.104× must not read as 1.10×). */
export function ratio(value: number, digits = 2): string {
  return Number.isFinite(value) ? `${value.toFixed(digits)}×` : 'n/a';
}

export function verdict(ok: boolean): Verdict {
  return ok ? 'pass' : 'fail';
}

export function median(values: number[]): number {
  if (values.length === 0) {
    return NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function table(rows: Row[]): string {
  const mark: Record<Verdict, string> = { pass: '✅ pass', fail: '❌ fail', reported: 'reported', error: '⚠️ error' };
  return [
    '| # | case | measured | compared with | ratio / figure | target | result |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.id} | ${cell(row.what)} | ${cell(row.measured)} | ${cell(row.comparedWith)} | ${cell(row.figure)} | ${cell(row.target)} | ${mark[row.verdict]} |`),
  ].join('\n');
}

export function resultsMarkdown(facts: MachineFacts, rows: Row[], notes: string[], totalMs: number): string {
  const passed = rows.filter((row) => row.verdict === 'pass').length;
  const failed = rows.filter((row) => row.verdict === 'fail' || row.verdict === 'error').length;
  return [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${facts.date}: ${facts.cpuCount} × ${facts.cpuModel}, ${facts.memory} RAM, ${facts.os}, Node ${facts.node}.`,
    `The whole run took ${ms(totalMs)}; ${passed} rows passed, ${failed} failed.`,
    '',
    'Loopback uploads to the API emulator, which runs in a process of its own. Every upload case',
    'runs in a fresh Node process; "peak RSS growth" is that process\'s peak resident set (VmHWM)',
    'during the upload minus its RSS just before it. Times are medians of interleaved rounds, ratios',
    'the medians of each round\'s ratio. Compare the ratios, not the absolute times: the machines',
    'that run this are shared and noisy.',
    '',
    table(rows),
    '',
    '## Notes',
    '',
    ...notes.map((note) => `- ${note}`),
    '',
    'Rerun: `npm run bench` (about 2 minutes; needs `curl`, and the code-server test editor of',
    '`npm test` for P4 and P5). It rewrites this file.',
    '',
  ].join('\n');
}
