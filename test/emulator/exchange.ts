/**
 * One API request/response pair: metered access to the body, and answers that leave the
 * connection in a clean state whether or not the body was read.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { BodyMeter } from './body';
import { ApiError, errorEnvelope, JSON_TYPE, jsonBytes, writeResponse, type Envelope } from './http';

export interface ExchangeHooks {
  /** Current injected latency, read when the response is written. */
  latencyMs(): number;
  /** Called for every chunk of request body read. */
  onBodyBytes(bytes: number): void;
  /** Aborted when the emulator closes. */
  closing: AbortSignal;
}

export class ApiExchange {
  /** Write the response body slowly (the slow-response fault). */
  drip?: { bytesPerChunk: number; intervalMs: number };
  /** Aborted when the client goes away before the answer is complete, or the emulator closes. */
  readonly signal: AbortSignal;
  private meter?: BodyMeter;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly expectsContinue: boolean,
    private readonly hooks: ExchangeHooks,
  ) {
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) {
        gone.abort();
      }
    });
    this.signal = AbortSignal.any([gone.signal, hooks.closing]);
  }

  /**
   * The request body, metered. A client that sent `Expect: 100-continue` (curl does for large
   * uploads) is told to go ahead only now, so requests rejected before this point (auth, routing)
   * never make it send the body at all.
   */
  body(): BodyMeter {
    if (!this.meter) {
      if (this.expectsContinue) {
        this.res.writeContinue();
      }
      const meter = new BodyMeter((bytes) => this.hooks.onBodyBytes(bytes));
      // Errors are also seen by whoever reads the body; this listener only keeps an unread
      // body's error (client abort) from becoming an uncaught exception.
      meter.on('error', () => undefined);
      this.req.once('error', (err) => meter.destroy(err));
      this.req.pipe(meter);
      this.meter = meter;
    }
    return this.meter;
  }

  async sendEnvelope(status: number, envelope: Envelope, headers: OutgoingHttpHeaders = {}): Promise<void> {
    await this.send(status, jsonBytes(envelope), { 'Content-Type': JSON_TYPE, ...headers });
  }

  /** Answers an error: ApiErrors as themselves, anything else as a 500. */
  async sendError(err: unknown): Promise<void> {
    const apiError =
      err instanceof ApiError ? err : new ApiError(500, `Emulator error: ${(err as Error)?.message ?? String(err)}`);
    await this.sendEnvelope(apiError.status, errorEnvelope(apiError.status, apiError.message), apiError.headers);
  }

  async send(status: number, body: Buffer, headers: OutgoingHttpHeaders): Promise<void> {
    const connection = this.releaseUnreadBody();
    await writeResponse(this.res, status, body, { ...headers, ...connection }, {
      latencyMs: this.hooks.latencyMs(),
      drip: this.drip,
      signal: this.signal,
    });
  }

  /**
   * An answer given before the body was fully read (401, 404, a too-large JSON body...) must
   * not leave the client stuck or reset mid-send: the rest of the body is read and discarded so
   * the client can finish and read the answer, and the connection stays usable. A client waiting
   * for `100 Continue` has not sent its body and will not: that connection is closed instead.
   */
  private releaseUnreadBody(): OutgoingHttpHeaders {
    if (this.req.complete) {
      return {};
    }
    if (this.meter) {
      this.meter.unpipe();
      this.meter.resume();
      return {};
    }
    if (this.expectsContinue) {
      return { Connection: 'close' };
    }
    this.body().resume();
    return {};
  }
}
