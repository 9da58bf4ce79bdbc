/**
 * The service's JSON envelope, its error type, and the low-level writing of responses
 * (including the latency and slow-drip faults, which only change *how* a response is written).
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/** Every response body of the API: `{ success, code, msg, data? }`. */
export interface Envelope {
  success: boolean;
  code: number;
  msg: string;
  data?: unknown;
}

/** A failure that maps onto a documented error response (status + envelope `msg`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorEnvelope(code: number, msg: string): Envelope {
  return { success: false, code, msg };
}

/** Default `msg` texts for injected or internal failures. */
export function defaultMessage(status: number): string {
  switch (status) {
    case 400:
      return 'Bad request';
    case 401:
      return 'Unauthorized';
    case 404:
      return 'Not found';
    case 405:
      return 'Method not allowed';
    case 429:
      return 'Too many requests';
    case 503:
      return 'Service unavailable';
    default:
      return status >= 500 ? 'Internal server error' : `HTTP ${status}`;
  }
}

/**
 * Waits `ms`, or less when `signal` aborts (the emulator is closing).
 * Resolves to false when aborted, so callers can give up instead of writing to dead sockets.
 */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) {
    return !signal.aborted;
  }
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** How to write one response body. */
export interface WriteOptions {
  /** Added before the status line is written (fault: latency). */
  latencyMs: number;
  /** Write the body `bytesPerChunk` at a time, `intervalMs` apart (fault: slow response). */
  drip?: { bytesPerChunk: number; intervalMs: number };
  /** Aborted when the emulator closes: pending waits end and nothing more is written. */
  signal: AbortSignal;
}

/** Writes a complete response with an exact Content-Length, honouring latency and drip. */
export async function writeResponse(
  res: ServerResponse,
  status: number,
  body: Buffer,
  headers: OutgoingHttpHeaders,
  options: WriteOptions,
): Promise<void> {
  if (!(await sleep(options.latencyMs, options.signal)) || res.destroyed) {
    return;
  }
  res.writeHead(status, { ...headers, 'Content-Length': body.length });
  if (!options.drip || body.length === 0) {
    res.end(body);
    return;
  }
  const { bytesPerChunk, intervalMs } = options.drip;
  const step = Math.max(1, Math.floor(bytesPerChunk));
  for (let offset = 0; offset < body.length; offset += step) {
    if (offset > 0 && (!(await sleep(intervalMs, options.signal)) || res.destroyed)) {
      return;
    }
    res.write(body.subarray(offset, offset + step));
  }
  res.end();
}

export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export const JSON_TYPE = 'application/json; charset=utf-8';
