/**
 * The three upload endpoints. Each turns a request body into a {@link StagedUpload}: validated
 * names plus the bytes already on disk in the store's temp area. The server then commits it.
 * On failure a stager removes whatever it wrote and throws (an ApiError for the client's mistakes).
 */
import type { IncomingHttpHeaders } from 'node:http';
import busboy from 'busboy';
import { open, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { readJsonObject, streamToFile } from './body';
import { FileWriter } from './fileWriter';
import { ApiError } from './http';
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
const FORM_LIMITS: busboy.Limits = { fieldSize: 64 * 1024, fields: 32, parts: 64 };

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
 * Parses the form with busboy, streaming the `file` part to a temp file as it arrives: the text
 * fields may come before or after it (curl and browsers put the file first, Python `requests`
 * last), so the final name is only known once the whole form has been read. The file part is
 * paused only when the disk falls several MiB behind (see FileWriter), which holds busboy and
 * through it the request.
 */
function parseForm(ctx: StageContext): Promise<{ fields: Map<string, string>; file: ReceivedFile }> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: ctx.headers, limits: FORM_LIMITS, defParamCharset: 'utf8' });
  } catch (err) {
    return Promise.reject(new ApiError(400, `Malformed multipart request: ${(err as Error).message}`));
  }
  const { body, signal } = ctx;
  const fields = new Map<string, string>();
  let file: { writer: FileWriter; info: busboy.FileInfo } | undefined;

  return new Promise((resolve, reject) => {
    let settled = false;
    // Stops reading (the server drains or drops the rest) and removes a partial temp file.
    function fail(err: unknown): void {
      if (settled) {
        return;
      }
      settled = true;
      signal.removeEventListener('abort', onAbort);
      body.unpipe(parser);
      parser.on('error', () => undefined).destroy();
      void (file?.writer.abort() ?? Promise.resolve()).catch(() => undefined).then(() => reject(err));
    }
    function onAbort(): void {
      fail(new Error('The client went away'));
    }
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) {
        return fail(new ApiError(400, `Form field "${name}" is too long`));
      }
      fields.set(name, value);
    });
    parser.on('file', (name, stream, info) => {
      stream.on('error', () => undefined); // busboy reports the same error itself
      if (name !== 'file' || settled) {
        stream.resume();
        return;
      }
      if (file) {
        stream.resume();
        return fail(new ApiError(400, 'Only one "file" part is allowed'));
      }
      const spare = ctx.store.takeSpareFile(Number(ctx.headers['content-length']));
      const writer = new FileWriter(spare ?? ctx.store.newTempPath(), { onDrain: () => stream.resume(), onError: fail }, { overwrite: spare !== undefined });
      file = { writer, info };
      stream.on('data', (chunk: Buffer) => {
        if (!writer.write(chunk)) {
          stream.pause();
        }
      });
    });
    const tooMany = (): void => fail(new ApiError(400, 'Too many form parts'));
    parser.on('partsLimit', tooMany).on('fieldsLimit', tooMany);
    parser.on('error', (err: Error) => fail(new ApiError(400, `Malformed multipart body: ${err.message}`)));
    // 'close' follows the form's end once every file stream has been read to its end.
    parser.on('close', () => {
      if (settled) {
        return;
      }
      if (!file) {
        return fail(new ApiError(400, 'file is required (a multipart file part named "file")'));
      }
      const { writer, info } = file;
      writer.finish().then((size) => {
        if (!settled) {
          settled = true;
          signal.removeEventListener('abort', onAbort);
          resolve({ fields, file: { tempPath: writer.path, size, filename: info.filename, mimeType: info.mimeType } });
        }
      }, fail);
    });
    body.once('error', fail);
    signal.addEventListener('abort', onAbort);
    body.pipe(parser);
  });
}

// ---------------------------------------------------------------------------------------------
// /api/file-base64-upload (application/json)

export const stageBase64: Stager = async (ctx) => {
  // The whole body is read (up to the JSON cap: 413 beyond it) and parsed at once: the extension
  // sends at most 10 MiB this way, the service recommends no more.
  const json = await readJsonObject(ctx.body, ctx.limits.maxJsonBytes);
  const uploadPath = checkUploadPath(json.uploadPath);
  const explicitName = checkFileName(json.fileName);
  const { payload, mimeType } = base64Payload(json.base64Data);
  const fileName = explicitName ?? randomFileName(undefined, mimeType);
  const tempPath = ctx.store.newTempPath();
  // Most senders write no whitespace: the text is decoded as it is, and only when that fails is
  // whitespace stripped (a pass over all of it, as long as the decoding) and decoding redone.
  const fileSize = (await writeBase64(tempPath, payload, ctx.limits.maxBase64Bytes)) ?? (await writeBase64(tempPath, payload.replace(/\s+/g, ''), ctx.limits.maxBase64Bytes));
  if (fileSize === undefined) {
    throw new ApiError(400, BASE64_INVALID);
  }
  return {
    tempPath,
    fileSize,
    uploadPath,
    fileName,
    originalName: fileName,
    mimeType: chooseMimeType(mimeType, fileName),
  };
};

const BASE64_INVALID = 'base64Data is not valid base64 (bad characters or padding)';

/**
 * `base64Data`: plain base64 or a `data:<mime>;base64,<data>` URL. Its base64 is checked while it
 * is decoded (writeBase64).
 */
function base64Payload(value: unknown): { payload: string; mimeType?: string } {
  if (typeof value !== 'string' || value === '') {
    throw new ApiError(400, 'base64Data is required');
  }
  if (!value.startsWith('data:')) {
    return { payload: value };
  }
  const comma = value.indexOf(',');
  const params = value.slice('data:'.length, comma).split(';');
  if (comma < 0 || params.pop()?.toLowerCase() !== 'base64') {
    throw new ApiError(400, 'base64Data is a data URL but not of the form data:<mime>;base64,<data>');
  }
  return { payload: value.slice(comma + 1), mimeType: params[0] || undefined };
}

/** Decoded bytes per piece: the pieces are decoded into one reused buffer, not a fresh 10 MiB one. */
const DECODE_PIECE = 768 * 1024;

/**
 * Decodes `payload` into a new file at `path`, strict about characters and padding (the URL-safe
 * `-` and `_` are refused, and so is whitespace: the caller strips it and tries again). Returns
 * the file's size, or undefined (and no file) when the text is not such base64. Over `maxBytes`
 * decoded: 400. Node's decoder skips characters outside the alphabet, so a piece decoding to
 * fewer bytes than its length promises had one. Decoding into a reused buffer keeps this VM from
 * faulting in 10 MiB of fresh memory per upload, which cost as much as the decoding itself.
 */
async function writeBase64(path: string, payload: string, maxBytes: number | undefined): Promise<number | undefined> {
  const firstPad = payload.indexOf('=');
  const padding = firstPad < 0 ? 0 : payload.length - firstPad;
  if (payload.length === 0 || payload.length % 4 !== 0 || padding > 2 || !payload.endsWith('='.repeat(padding)) || payload.includes('-') || payload.includes('_')) {
    return undefined;
  }
  const size = (payload.length / 4) * 3 - padding;
  if (maxBytes !== undefined && size > maxBytes) {
    throw new ApiError(400, `Decoded file is ${size} bytes; the limit is ${maxBytes} bytes`);
  }
  const buffer = Buffer.allocUnsafe(Math.min(DECODE_PIECE, size));
  const file = await open(path, 'wx');
  let valid = true;
  try {
    for (let at = 0; at < payload.length && valid; at += (DECODE_PIECE / 3) * 4) {
      const piece = payload.slice(at, at + (DECODE_PIECE / 3) * 4);
      const decoded = buffer.write(piece, 'base64');
      valid = decoded === (piece.length / 4) * 3 - (at + piece.length === payload.length ? padding : 0);
      if (valid) {
        await file.write(buffer, 0, decoded);
      }
    }
  } catch (err) {
    valid = false;
    throw err;
  } finally {
    await file.close();
    if (!valid) {
      await rm(path, { force: true });
    }
  }
  return valid ? size : undefined;
}

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
