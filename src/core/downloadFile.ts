import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename } from 'node:path';
import { request, type Dispatcher } from 'undici';
import { checkRedirect, temporaryDownloadPath } from './download';
import { UploadError, cancelledError, errorCodeForStatus } from './errors';
import { describeFsError } from './fileStat';
import { translateError } from './httpErrors';
import { contentLength, discard, IdleWatch, REDIRECTS, type Timeouts } from './transport';
import type { Logger, ProgressListener } from './types';
import { formatBytes, validateRemoteUrl } from './validation';
import * as l10n from '@vscode/l10n';

/** What a download travels over: the client's connection pool and timeouts. */
export interface DownloadTransfer {
  dispatcher: Dispatcher;
  timeouts: Timeouts;
  logger: Logger;
}

export interface DownloadControls {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/**
 * Saves a hosted file to `destination` on disk, streamed (never held in memory), through the same
 * connection settings (proxy, timeouts) as uploads. The body goes into a temporary file in the
 * destination's folder, which replaces the destination in one rename only once the whole body has
 * arrived (as long as `Content-Length` said, when it said): a dead link, a cancel, a reset, a
 * timeout or a full disk leaves an existing destination exactly as it was, and removes only the
 * temporary file. Follows up to 5 redirects, to https only (http on loopback). The key is never
 * sent: file links are public.
 */
export async function downloadFile(url: string, destination: string, transfer: DownloadTransfer, controls: DownloadControls = {}): Promise<number> {
  let host = new URL(validateRemoteUrl(url)).host;
  const idle = new IdleWatch(transfer.timeouts.idleMs);
  const signal = controls.signal ? AbortSignal.any([controls.signal, idle.signal]) : idle.signal;
  const temporary = temporaryDownloadPath(destination);
  try {
    const opened = await openDownload(url, transfer, signal, controls, idle);
    const response = opened.response;
    host = opened.host;
    const expected = contentLength(response.headers['content-length']);
    let received = 0;
    // 'wx': a fresh file of our own, never one that happens to be there.
    const file = await local(() => fs.open(temporary, 'wx'));
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        await local(() => file.write(chunk));
        received += chunk.byteLength;
        idle.arm();
        controls.onProgress?.(received, expected ?? 0);
      }
      if (expected !== undefined && received !== expected) {
        throw new UploadError('network', l10n.t('The download from {0} ended after {1} of {2}; the file was not saved.', host, formatBytes(received), formatBytes(expected)));
      }
      // On disk before it takes the destination's place: a crash right after cannot leave it empty.
      await local(() => file.sync());
    } finally {
      await file.close().catch(() => undefined);
    }
    await keepMode(destination, temporary);
    await local(() => fs.rename(temporary, destination));
    return received;
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    if (error instanceof LocalWriteError) {
      throw describeWriteError(error.cause, destination);
    }
    throw translateError(error, { signal: controls.signal, idle, host, timeouts: transfer.timeouts, action: 'download' });
  } finally {
    idle.disarm();
  }
}

/**
 * GETs a hosted file, following up to 5 redirects (to https only, http on loopback), and checks the
 * answer: 404 and 410 become `not-found`, any other status but 200 an error. The body is the caller's.
 */
async function openDownload(
  url: string,
  transfer: DownloadTransfer,
  signal: AbortSignal,
  controls: DownloadControls,
  idle: IdleWatch,
): Promise<{ response: Dispatcher.ResponseData; host: string }> {
  let link = validateRemoteUrl(url);
  let host = new URL(link).host;
  if (controls.signal?.aborted) {
    throw cancelledError();
  }
  idle.arm();
  let response: Dispatcher.ResponseData;
  for (let followed = 0; ; followed++) {
    response = await request(link, {
      method: 'GET',
      headers: { 'user-agent': 'kie-file-upload-vscode' },
      signal,
      dispatcher: transfer.dispatcher,
      headersTimeout: transfer.timeouts.headersMs,
      bodyTimeout: transfer.timeouts.idleMs,
    });
    if (!REDIRECTS.has(response.statusCode)) {
      break;
    }
    discard(response.body);
    link = checkRedirect(link, response.headers.location, followed);
    host = new URL(link).host;
    transfer.logger.debug(`Download redirected to ${host}`);
  }
  if (response.statusCode === 404 || response.statusCode === 410) {
    discard(response.body);
    throw new UploadError('not-found', l10n.t('The file is no longer on the service: it has expired or was replaced.'), { status: response.statusCode });
  }
  if (response.statusCode !== 200) {
    discard(response.body);
    throw new UploadError(errorCodeForStatus(response.statusCode), l10n.t('The file host answered HTTP {0}.', response.statusCode), { status: response.statusCode });
  }
  return { response, host };
}

/**
 * The SHA-256 of a hosted file, streamed into the hash (nothing is written), or `'gone'` when the
 * host no longer serves it (404, 410). Other failures reject with an `UploadError`.
 */
export async function hashRemoteFile(url: string, transfer: DownloadTransfer, controls: DownloadControls = {}): Promise<{ sha256: string; size: number } | 'gone'> {
  const idle = new IdleWatch(transfer.timeouts.idleMs);
  const signal = controls.signal ? AbortSignal.any([controls.signal, idle.signal]) : idle.signal;
  let host = new URL(validateRemoteUrl(url)).host;
  try {
    const opened = await openDownload(url, transfer, signal, controls, idle);
    host = opened.host;
    const expected = contentLength(opened.response.headers['content-length']);
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of opened.response.body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      received += chunk.byteLength;
      idle.arm();
      controls.onProgress?.(received, expected ?? 0);
    }
    if (expected !== undefined && received !== expected) {
      throw new UploadError('network', l10n.t('The download from {0} ended after {1} of {2}.', host, formatBytes(received), formatBytes(expected)));
    }
    return { sha256: hash.digest('hex'), size: received };
  } catch (error) {
    if (error instanceof UploadError && error.code === 'not-found') {
      return 'gone';
    }
    throw translateError(error, { signal: controls.signal, idle, host, timeouts: transfer.timeouts, action: 'download' });
  } finally {
    idle.disarm();
  }
}

/** The replacement keeps the permissions of the file it replaces (an executable stays executable). */
async function keepMode(destination: string, temporary: string): Promise<void> {
  const existing = await fs.stat(destination).catch(() => undefined);
  if (existing?.isFile()) {
    await fs.chmod(temporary, existing.mode & 0o7777).catch(() => undefined);
  }
}

/** A failure of this machine's disk while saving a download, told apart from the network's. */
class LocalWriteError extends Error {
  constructor(override readonly cause: unknown) {
    super('local write failed');
  }
}

async function local<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new LocalWriteError(error);
  }
}

/** A failure to write the download on this machine (not the host's fault). */
function describeWriteError(error: unknown, destination: string): UploadError {
  const code = (error as NodeJS.ErrnoException)?.code;
  const name = basename(destination);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UploadError('too-large', l10n.t('There is not enough space on the disk to save {0}; nothing was changed.', name), { cause: error });
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new UploadError('not-found', l10n.t('{0} cannot be saved there: the folder does not exist.', name), { cause: error });
  }
  if (code === 'EISDIR') {
    return new UploadError('invalid-input', l10n.t('{0} cannot be saved there: a folder of that name is in the way.', name), { cause: error });
  }
  return new UploadError('invalid-input', l10n.t('{0} cannot be saved there: {1}.', name, describeFsError(error)), { cause: error });
}
