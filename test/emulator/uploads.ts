/**
 * The three upload endpoints. Each turns a request body into a {@link StagedUpload}: validated
 * names plus the bytes already on disk in the store's temp area. The server then commits it.
 * On failure a stager removes whatever it wrote and throws (an ApiError for the client's mistakes).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { readBase64Request } from './base64Json';
import { readJsonObject, streamToFile } from './body';
import { FileWriter } from './fileWriter';
import { ApiError } from './http';
import { MultipartError, MultipartParser, multipartBoundary, type FileInfo, type MultipartLimits } from './multipart';
import { checkFileName, checkUploadPath, chooseMimeType, randomFileName, safeFileName } from './names';
import type { FileStore, StagedUpload } from './store';

export interface UploadLimits {
  maxJsonBytes: number;
  maxBase64Bytes?: number;
  urlFetchTimeoutMs: number;
  urlFetchMaxBytes: number;
}

export interface StageContext {
  body: Readable;
  headers: IncomingHttpHeaders;
  store: FileStore;
  limits: UploadLimits;
  /** Aborted when the client goes away or the emulator closes (stops a URL download). */
  signal: AbortSignal;
}

export type Stager = (ctx: StageContext) => Promise<StagedUpload>;

// ---------------------------------------------------------------------------------------------
// /api/file-stream-upload (multipart/form-data)

/** Generous for text fields, small enough that a runaway field cannot fill memory. */
const FORM_LIMITS: MultipartLimits = { fieldSize: 64 * 1024, fields: 32, parts: 64 };

interface ReceivedFile {
  tempPath: string;
  size: number;
  filename?: string;
  mimeType: string;
}

export const stageMultipart: Stager = async (ctx) => {
  const { fields, file } = await parseForm(ctx);
  try {
    const uploadPath = checkUploadPath(fields.get('uploadPath'));
    const originalName = file.filename ?? '';
    const fileName = checkFileName(fields.get('fileName')) ?? randomFileName(originalName, file.mimeType);
    return {
      tempPath: file.tempPath,
      fileSize: file.size,
      uploadPath,
      fileName,
      originalName,
      // A part without a Content-Type reads as text/plain (RFC 7578), and Python `requests` sends
      // none: then the extension decides when it is known.
      mimeType: chooseMimeType(file.mimeType, fileName, file.mimeType === 'text/plain'),
    };
  } catch (err) {
    await rm(file.tempPath, { force: true });
    throw err;
  }
};

/**
 * Parses the form, streaming the `file` part to a temp file as it arrives: the text fields may
 * come before or after it (curl and browsers put the file first, Python `requests` last), so the
 * final name is only known once the whole form has been read. The socket is paused only when
 * the disk falls several MiB behind (see FileWriter).
 */
function parseForm(ctx: StageContext): Promise<{ fields: Map<string | undefined, string | undefined>; file: ReceivedFile }> {
  let boundary: string;
  try {
    boundary = multipartBoundary(ctx.headers['content-type']);
  } catch (err) {
    return Promise.reject(new ApiError(400, `Malformed multipart request: ${(err as Error).message}`));
  }
  const { body, signal } = ctx;
  const fields = new Map<string | undefined, string | undefined>();
  let file: { writer: FileWriter; info: FileInfo } | undefined;

  return new Promise((resolve, reject) => {
    let settled = false;
    const stop = (): void => {
      settled = true;
      body.off('data', onData).off('end', onEnd).off('error', fail);
      signal.removeEventListener('abort', onAbort);
    };
    // Stops reading (the server drains or drops the rest) and removes a partial temp file.
    function fail(err: unknown): void {
      if (settled) {
        return;
      }
      stop();
      const error = err instanceof MultipartError ? new ApiError(400, `Malformed multipart body: ${err.message}`) : err;
      void (file?.writer.abort() ?? Promise.resolve()).catch(() => undefined).then(() => reject(error));
    }
    const parser = new MultipartParser(boundary, FORM_LIMITS, {
      field(name, value, info) {
        if (info.truncated) {
          throw new ApiError(400, `Form field "${name}" is too long`);
        }
        fields.set(name, value);
      },
      fileStart(name, info) {
        if (name !== 'file') {
          return false;
        }
        if (file) {
          throw new ApiError(400, 'Only one "file" part is allowed');
        }
        const spare = ctx.store.takeSpareFile(Number(ctx.headers['content-length']));
        const events = { onDrain: () => body.resume(), onError: fail };
        file = { writer: new FileWriter(spare ?? ctx.store.newTempPath(), events, { overwrite: spare !== undefined }), info };
        return true;
      },
      fileData(data) {
        if (file && !file.writer.write(data)) {
          body.pause();
        }
      },
      fileEnd() {},
      limit() {
        throw new ApiError(400, 'Too many form parts');
      },
    });
    function onData(chunk: Buffer): void {
      try {
        parser.write(chunk);
      } catch (err) {
        fail(err);
      }
    }
    function onEnd(): void {
      try {
        parser.end();
      } catch (err) {
        return fail(err);
      }
      if (!file) {
        return fail(new ApiError(400, 'file is required (a multipart file part named "file")'));
      }
      const { writer, info } = file;
      writer.finish().then((size) => {
        if (!settled) {
          stop();
          resolve({ fields, file: { tempPath: writer.path, size, filename: info.filename, mimeType: info.mimeType } });
        }
      }, fail);
    }
    function onAbort(): void {
      fail(new Error('The client went away'));
    }
    body.on('data', onData).once('end', onEnd).once('error', fail);
    signal.addEventListener('abort', onAbort);
  });
}

// ---------------------------------------------------------------------------------------------
// /api/file-base64-upload (application/json)

export const stageBase64: Stager = async (ctx) => {
  const { members, base64 } = await readBase64Request(ctx.body, {
    maxJsonBytes: ctx.limits.maxJsonBytes,
    maxBase64Bytes: ctx.limits.maxBase64Bytes,
    newFilePath: () => ctx.store.newTempPath(),
  });
  try {
    const uploadPath = checkUploadPath(members.get('uploadPath'));
    const explicitName = checkFileName(members.get('fileName'));
    if ('error' in base64) {
      throw base64.error;
    }
    const { tempPath, size, mimeType } = base64.file;
    const fileName = explicitName ?? randomFileName(undefined, mimeType);
    return {
      tempPath,
      fileSize: size,
      uploadPath,
      fileName,
      originalName: fileName,
      mimeType: chooseMimeType(mimeType, fileName),
    };
  } catch (err) {
    if ('file' in base64) {
      await rm(base64.file.tempPath, { force: true });
    }
    throw err;
  }
};

// ---------------------------------------------------------------------------------------------
// /api/file-url-upload (application/json)

export const stageUrl: Stager = async (ctx) => {
  const json = await readJsonObject(ctx.body, ctx.limits.maxJsonBytes);
  const fileUrl = checkFileUrl(json.fileUrl);
  const uploadPath = checkUploadPath(json.uploadPath);
  const explicitName = checkFileName(json.fileName);
  const tempPath = ctx.store.newTempPath();
  const { size, contentType } = await download(fileUrl, tempPath, ctx);
  const urlName = safeFileName(lastSegment(fileUrl));
  const fileName = explicitName ?? urlName ?? randomFileName(undefined, contentType);
  return {
    tempPath,
    fileSize: size,
    uploadPath,
    fileName,
    originalName: urlName ?? fileName,
    mimeType: chooseMimeType(contentType, fileName),
  };
};

function checkFileUrl(value: unknown): URL {
  if (typeof value !== 'string' || value === '') {
    throw new ApiError(400, 'fileUrl is required');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ApiError(400, 'fileUrl is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ApiError(400, `fileUrl must be an http or https URL, not ${url.protocol}`);
  }
  return url;
}

/** The URL's last path segment, decoded; undefined when there is none or it is not decodable. */
function lastSegment(url: URL): string | undefined {
  try {
    return decodeURIComponent(url.pathname.split('/').pop() ?? '') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Fetches `url` into `tempPath` the way the service does: within a total time limit and a size
 * cap, streaming to disk. Every failure is the caller's problem (unreachable, HTTP error,
 * too slow, too big): 400.
 */
async function download(url: URL, tempPath: string, ctx: StageContext): Promise<{ size: number; contentType?: string }> {
  const { urlFetchTimeoutMs: timeoutMs, urlFetchMaxBytes: maxBytes } = ctx.limits;
  const tooLarge = `File at fileUrl exceeds the ${maxBytes}-byte limit`;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal: AbortSignal.any([timeout, ctx.signal]), redirect: 'follow' });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new ApiError(400, `fileUrl could not be fetched: HTTP ${response.status}`);
    }
    if (Number(response.headers.get('content-length')) > maxBytes) {
      await response.body.cancel();
      throw new ApiError(400, tooLarge);
    }
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    const size = await streamToFile(body, tempPath, { maxBytes, message: tooLarge });
    return { size, contentType: response.headers.get('content-type') ?? undefined };
  } catch (err) {
    if (timeout.aborted) {
      throw new ApiError(400, `Downloading fileUrl timed out after ${timeoutMs} ms`);
    }
    throw err instanceof ApiError ? err : new ApiError(400, `fileUrl could not be fetched: ${describeFetchError(err)}`);
  }
}

/** undici hides the useful part ("ECONNREFUSED", "ENOTFOUND") in `cause`. */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
