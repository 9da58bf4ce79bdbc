import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { UploadError } from './errors';
import type { Logger } from './types';
import { formatBytes } from './validation';
import * as l10n from '@vscode/l10n';

/**
 * The HTTP transport under the client: timeouts, the connection pool (direct or through a proxy),
 * and the small helpers every request uses. Knows nothing of the API's endpoints.
 */

export interface Timeouts {
  /** TCP/TLS connection set-up. */
  connectMs: number;
  /** From the end of the request body to the response headers (the service may fetch a URL meanwhile). */
  headersMs: number;
  /** Silence while sending the body or receiving the response. */
  idleMs: number;
}

export const defaultTimeouts: Timeouts = { connectMs: 10_000, headersMs: 120_000, idleMs: 30_000 };

/** A proxy the client connects through (http.proxy, else the environment). */
export interface ProxySettings {
  url: string;
  strictSSL: boolean;
}

export const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The connection pool: direct, or through the proxy the settings name. */
export function createDispatcher(proxy: ProxySettings | undefined, timeouts: Timeouts, logger: Logger): Dispatcher {
  if (!proxy) {
    return new Agent({ connect: { timeout: timeouts.connectMs }, keepAliveTimeout: 10_000 });
  }
  if (!URL.canParse(proxy.url) || !/^https?:$/.test(new URL(proxy.url).protocol)) {
    throw new UploadError('invalid-input', l10n.t('The proxy "{0}" (http.proxy or HTTPS_PROXY) is not an http:// or https:// URL.', redactProxy(proxy.url)));
  }
  // undici does not go through Node's http module, so VS Code's own proxy support never sees it.
  logger.info(`Using the proxy ${redactProxy(proxy.url)}${proxy.strictSSL ? '' : ' (certificate checks off: http.proxyStrictSSL is false)'}`);
  return new ProxyAgent({
    uri: proxy.url,
    requestTls: { rejectUnauthorized: proxy.strictSSL, timeout: timeouts.connectMs },
    proxyTls: { rejectUnauthorized: proxy.strictSSL, timeout: timeouts.connectMs },
    connect: { timeout: timeouts.connectMs },
  });
}

/** A proxy URL for the log, without its password. */
function redactProxy(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.href;
  } catch {
    return '(unparsable proxy URL)';
  }
}

/** Drops a response body that is not wanted (a redirect's, an error page's) without an unhandled error. */
export function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** A `Content-Length` the body must match, when the host sent a usable one. */
export function contentLength(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text) : undefined;
}


/** A response body read whole, refused once it grows past `limit`. */
export async function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      body.destroy();
      throw new UploadError('protocol', l10n.t('The service\'s answer is larger than {0}; it is not an upload result.', formatBytes(limit)));
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Fires when no body bytes moved for `ms`: a peer that stopped reading or writing. */
export class IdleWatch {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  constructor(readonly ms: number) {}
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  get fired(): boolean {
    return this.controller.signal.aborted;
  }
  arm(): void {
    // Re-armed for every body chunk: restarting the one timer is cheaper than a new one each time.
    if (this.timer) {
      this.timer.refresh();
    } else {
      this.timer = setTimeout(() => this.controller.abort(), this.ms);
    }
  }
  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
