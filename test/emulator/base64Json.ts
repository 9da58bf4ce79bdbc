/**
 * The base64 endpoint's JSON body, read in one streaming pass: the `base64Data` string is
 * validated and decoded to a file while it arrives, and the other members (small) are parsed as
 * usual. A 10 MiB upload is then on disk when its last byte arrives, and the body, its text and
 * the decoded bytes are never all in memory at once.
 *
 * The answers are those of reading the whole body, `JSON.parse` and checking `base64Data` as a
 * string (test/unit/base64Json.test.ts compares the two on random bodies split at random places):
 * plain base64 or a `data:<mime>;base64,<data>` URL, strict about characters and padding,
 * tolerant of whitespace (as `/\s/` means it) such as the line breaks of MIME encoders.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { FileWriter } from './fileWriter';
import { ApiError } from './http';

export interface DecodedFile {
  tempPath: string;
  size: number;
  /** From a data URL; undefined for plain base64. */
  mimeType?: string;
}

export interface Base64Request {
  /** The JSON object's members as `JSON.parse` gives them, except a string `base64Data`. */
  members: Map<string, unknown>;
  /** The decoded file, or why `base64Data` is unusable; checked after the other members. */
  base64: { file: DecodedFile } | { error: ApiError };
}

export interface Base64RequestOptions {
  /** Larger bodies get 413 at once. */
  maxJsonBytes: number;
  /** Cap on the decoded size. */
  maxBase64Bytes?: number;
  /** A new temp path for decoded bytes. */
  newFilePath(): string;
}

export const BASE64_ERRORS = {
  required: 'base64Data is required',
  dataUrl: 'base64Data is a data URL but not of the form data:<mime>;base64,<data>',
  invalid: 'base64Data is not valid base64 (bad characters or padding)',
  tooLarge: (size: number, maxBytes: number) => `Decoded file is ${size} bytes; the limit is ${maxBytes} bytes`,
};

/**
 * Reads a JSON object body of at most `maxJsonBytes` (413 beyond, and reading stops; 400 when it
 * is not JSON or not an object), streaming `base64Data` to a temp file. With `base64.file`, the
 * caller owns the file and must remove it if it does not keep it.
 */
export function readBase64Request(body: Readable, options: Base64RequestOptions): Promise<Base64Request> {
  return new Promise((resolve, reject) => {
    let total = 0;
    let settled = false;
    const parser = new Base64JsonParser({
      maxBytes: options.maxBase64Bytes,
      newWriter: () => new FileWriter(options.newFilePath(), { onDrain: () => body.resume(), onError: (err) => fail(err) }),
      pause: () => body.pause(),
    });
    const stop = (): void => {
      settled = true;
      body.off('data', onData).off('end', onEnd).off('error', fail);
    };
    function fail(err: unknown): void {
      if (settled) {
        return;
      }
      stop();
      body.pause();
      void parser.discard().then(() => reject(err));
    }
    function onData(chunk: Buffer): void {
      total += chunk.length;
      if (total > options.maxJsonBytes) {
        return fail(new ApiError(413, `Request body exceeds ${options.maxJsonBytes} bytes`));
      }
      try {
        parser.write(chunk);
      } catch (err) {
        fail(err);
      }
    }
    function onEnd(): void {
      stop();
      parser.end().then(resolve, (err: unknown) => void parser.discard().then(() => reject(err)));
    }
    body.on('data', onData).once('end', onEnd).once('error', fail);
  });
}

// -------------------------------------------------------------------------------------------------

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Thrown inside the parser for malformed JSON; reported once the whole body has been read. */
class JsonSyntaxError extends Error {}

const enum State {
  Start,
  FirstKey,
  NextKey,
  Key,
  Colon,
  Value,
  RawValue,
  Base64,
  Next,
  Done,
  /** The body does not start with `{`: kept whole and judged the old way at the end. */
  NotObject,
  Invalid,
}

interface ParserHooks {
  maxBytes?: number;
  newWriter(): FileWriter;
  pause(): void;
}

class Base64JsonParser {
  private state = State.Start;
  private readonly members = new Map<string, unknown>();
  /** The token being collected: a key, a member value, or the whole body (NotObject). */
  private token: Buffer[] = [];
  private key = '';
  /** Raw value scanning: inside a string, after a backslash, nesting depth of [ and {. */
  private inString = false;
  private escaped = false;
  private depth = 0;
  /** The last `base64Data` member's decoder, if it was a string. */
  private base64: Base64Decoder | undefined;
  private readonly decoders: Base64Decoder[] = [];

  constructor(private readonly hooks: ParserHooks) {}

  write(chunk: Buffer): void {
    try {
      this.scan(chunk);
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) {
        throw err;
      }
      this.state = State.Invalid;
      this.token = [];
    }
  }

  /** The result, once the body has ended. Rejects with the ApiError the body deserves. */
  async end(): Promise<Base64Request> {
    if (this.state === State.NotObject) {
      try {
        JSON.parse(Buffer.concat(this.token).toString('utf8'));
      } catch {
        throw new ApiError(400, 'Request body is not valid JSON');
      }
      throw new ApiError(400, 'Request body must be a JSON object'); // it does not start with {
    }
    if (this.state !== State.Done) {
      throw new ApiError(400, 'Request body is not valid JSON');
    }
    const chosen = this.base64;
    await Promise.all(this.decoders.filter((decoder) => decoder !== chosen).map((decoder) => decoder.discard()));
    const base64 = chosen ? await chosen.result() : { error: new ApiError(400, BASE64_ERRORS.required) };
    return { members: this.members, base64 };
  }

  /** Removes every decoded file. */
  async discard(): Promise<void> {
    await Promise.all(this.decoders.map((decoder) => decoder.discard()));
  }

  private scan(chunk: Buffer): void {
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      switch (this.state) {
        case State.Start: {
          const byte = chunk[pos];
          if (isJsonSpace(byte)) {
            pos++;
          } else if (byte === OPEN_BRACE) {
            this.state = State.FirstKey;
            pos++;
          } else {
            this.state = State.NotObject;
          }
          break;
        }
        case State.NotObject:
          this.token.push(chunk.subarray(pos));
          return;
        case State.FirstKey:
        case State.NextKey: {
          const byte = chunk[pos];
          if (isJsonSpace(byte)) {
            pos++;
          } else if (byte === CLOSE_BRACE && this.state === State.FirstKey) {
            this.state = State.Done;
            pos++;
          } else if (byte === QUOTE) {
            this.state = State.Key;
            this.inString = true;
            this.token.push(chunk.subarray(pos, pos + 1));
            pos++;
          } else {
            throw new JsonSyntaxError();
          }
          break;
        }
        case State.Key:
          pos = this.scanString(chunk, pos);
          if (!this.inString) {
            this.key = this.parseToken() as string;
            this.state = State.Colon;
          }
          break;
        case State.Colon: {
          const byte = chunk[pos++];
          if (byte === COLON) {
            this.state = State.Value;
          } else if (!isJsonSpace(byte)) {
            throw new JsonSyntaxError();
          }
          break;
        }
        case State.Value: {
          const byte = chunk[pos];
          if (isJsonSpace(byte)) {
            pos++;
          } else if (this.key === 'base64Data' && byte === QUOTE) {
            // Last one wins, as with JSON.parse.
            this.members.delete('base64Data');
            this.base64 = new Base64Decoder(this.hooks);
            this.decoders.push(this.base64);
            this.state = State.Base64;
            pos++;
          } else {
            this.state = State.RawValue;
            this.depth = 0;
          }
          break;
        }
        case State.RawValue:
          pos = this.scanValue(chunk, pos);
          break;
        case State.Base64: {
          const end = this.base64!.write(chunk, pos);
          if (end < 0) {
            return;
          }
          pos = end;
          this.state = State.Next;
          break;
        }
        case State.Next: {
          const byte = chunk[pos++];
          if (byte === COMMA) {
            this.state = State.NextKey;
          } else if (byte === CLOSE_BRACE) {
            this.state = State.Done;
          } else if (!isJsonSpace(byte)) {
            throw new JsonSyntaxError();
          }
          break;
        }
        case State.Done:
          if (!isJsonSpace(chunk[pos++])) {
            throw new JsonSyntaxError();
          }
          break;
        case State.Invalid:
          return;
      }
    }
  }

  /** Collects string bytes from `pos` up to and including the closing quote; clears `inString` there. */
  private scanString(chunk: Buffer, pos: number): number {
    const start = pos;
    while (pos < chunk.length) {
      if (this.escaped) {
        this.escaped = false;
        pos++;
        continue;
      }
      const next = nextQuoteOrBackslash(chunk, pos);
      if (next < 0) {
        pos = chunk.length;
        break;
      }
      if (chunk[next] === BACKSLASH) {
        this.escaped = true;
        pos = next + 1;
        continue;
      }
      pos = next + 1;
      this.inString = false;
      break;
    }
    this.token.push(chunk.subarray(start, pos));
    return pos;
  }

  /** A member value other than a string base64Data: its bytes are collected, then JSON.parse'd. */
  private scanValue(chunk: Buffer, pos: number): number {
    if (this.inString) {
      pos = this.scanString(chunk, pos);
      if (!this.inString && this.depth === 0) {
        this.endValue();
      }
      return pos;
    }
    const start = pos;
    const first = this.token.length === 0;
    for (; pos < chunk.length; pos++) {
      const byte = chunk[pos];
      if (byte === QUOTE) {
        this.inString = true;
        this.token.push(chunk.subarray(start, pos + 1));
        return pos + 1;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        this.depth++;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (this.depth === 0) {
          break; // the end of the enclosing object, after a number or literal
        }
        if (--this.depth === 0) {
          this.token.push(chunk.subarray(start, pos + 1));
          this.endValue();
          return pos + 1;
        }
      } else if (this.depth === 0 && (byte === COMMA || isJsonSpace(byte))) {
        break;
      }
    }
    if (pos === chunk.length) {
      this.token.push(chunk.subarray(start, pos));
      return pos;
    }
    if (first && pos === start) {
      throw new JsonSyntaxError(); // nothing where a value should be
    }
    this.token.push(chunk.subarray(start, pos));
    this.endValue();
    return pos;
  }

  private endValue(): void {
    const value = this.parseToken();
    if (this.key === 'base64Data') {
      this.base64 = undefined;
    }
    this.members.set(this.key, value);
    this.state = State.Next;
  }

  private parseToken(): unknown {
    const text = Buffer.concat(this.token).toString('utf8');
    this.token = [];
    try {
      return JSON.parse(text);
    } catch {
      throw new JsonSyntaxError();
    }
  }
}

function nextQuoteOrBackslash(chunk: Buffer, pos: number): number {
  const quote = chunk.indexOf(QUOTE, pos);
  const backslash = chunk.indexOf(BACKSLASH, pos, 'latin1');
  if (quote < 0) {
    return backslash;
  }
  return backslash < 0 || quote < backslash ? quote : backslash;
}

// -------------------------------------------------------------------------------------------------

/** The bytes of the base64 alphabet (without padding). */
const ALPHABET = new Uint8Array(256);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  ALPHABET[char.charCodeAt(0)] = 1;
}
const WHITESPACE = /\s/;
// Raw control characters are not allowed inside a JSON string.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/;
/** Decode in pieces of this many base64 characters (a multiple of 4). */
const DECODE_CHARS = 256 * 1024;

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

const enum Phase {
  /** Reading the first characters: is it a data URL? */
  Start,
  /** In a data URL, before the comma. */
  Header,
  Payload,
  /** The value is unusable (the reason is in `error`); the rest of the string is only scanned. */
  Failed,
}

/** One `base64Data` string value, from after its opening quote to its closing quote. */
class Base64Decoder {
  private phase = Phase.Start;
  private text = '';
  private empty = true;
  private mimeType: string | undefined;
  private error: string | undefined;
  /** Base64 characters not decoded yet (no padding). */
  private pending = '';
  /** Non-whitespace payload characters, padding included. */
  private count = 0;
  private padding = 0;
  private decodedBytes = 0;
  private overLimit = false;
  private writer: FileWriter | undefined;
  /** A backslash escape in progress (`\` or `\uXX`...), across chunk boundaries. */
  private escape: string | undefined;
  private readonly utf8 = new StringDecoder('utf8');
  /** The last raw byte was not ASCII: a UTF-8 sequence may continue in the next chunk. */
  private utf8Open = false;
  private finished: Promise<{ file: DecodedFile } | { error: ApiError }> | undefined;

  constructor(private readonly hooks: ParserHooks) {}

  /** Consumes string content from `pos`; returns the position after the closing quote, or -1 if it is not in `chunk`. */
  write(chunk: Buffer, pos: number): number {
    const length = chunk.length;
    while (pos < length) {
      if (this.escape !== undefined) {
        pos = this.readEscape(chunk, pos);
        continue;
      }
      if (this.phase === Phase.Payload) {
        pos = this.scanPayload(chunk, pos);
        if (this.finished) {
          return pos;
        }
        continue;
      }
      const next = nextQuoteOrBackslash(chunk, pos);
      const end = next < 0 ? length : next;
      if (end > pos) {
        this.content(chunk, pos, end);
      }
      if (next < 0) {
        return -1;
      }
      this.flushUtf8();
      if (chunk[next] === QUOTE) {
        this.finished = this.finish();
        return next + 1;
      }
      this.escape = '';
      pos = next + 1;
    }
    return -1;
  }

  result(): Promise<{ file: DecodedFile } | { error: ApiError }> {
    return this.finished ?? Promise.resolve({ error: new ApiError(400, BASE64_ERRORS.invalid) });
  }

  /** Stops writing and removes the decoded file, if any. */
  async discard(): Promise<void> {
    this.phase = Phase.Failed;
    await this.finished?.catch(() => undefined);
    await this.writer?.abort();
  }

  /**
   * The payload, where nearly every byte is in the base64 alphabet. First the whole stretch up to
   * the next quote or backslash is tried at once (decoding checks it natively); failing that, runs
   * of alphabet bytes are found with a table lookup and anything else goes through the general
   * path one piece at a time. Stops after the closing quote, at a backslash, or when the phase
   * changes.
   */
  private scanPayload(chunk: Buffer, pos: number): number {
    const length = chunk.length;
    if (!this.utf8Open && this.padding === 0) {
      const next = nextQuoteOrBackslash(chunk, pos);
      const end = next < 0 ? length : next;
      if (end > pos && this.takeStretch(chunk.toString('latin1', pos, end))) {
        this.empty = false;
        pos = end;
      }
    }
    while (pos < length && this.phase === Phase.Payload) {
      const byte = chunk[pos];
      if (ALPHABET[byte] === 1) {
        this.flushUtf8(); // an unfinished UTF-8 sequence, then ASCII
        let end = pos + 1;
        while (end < length && ALPHABET[chunk[end]] === 1) {
          end++;
        }
        this.empty = false;
        this.payload(chunk.toString('latin1', pos, end));
        pos = end;
      } else if (byte === QUOTE || byte === BACKSLASH) {
        this.flushUtf8();
        if (byte === QUOTE) {
          this.finished = this.finish();
        } else {
          this.escape = '';
        }
        return pos + 1;
      } else {
        // Whitespace, padding, or anything else: up to the next alphabet byte, quote or backslash.
        let end = pos + 1;
        while (end < length && ALPHABET[chunk[end]] !== 1 && chunk[end] !== QUOTE && chunk[end] !== BACKSLASH) {
          end++;
        }
        this.content(chunk, pos, end);
        pos = end;
      }
    }
    return pos;
  }

  /** String content without quotes or backslashes, read as UTF-8 (a sequence may continue in the next chunk). */
  private content(chunk: Buffer, start: number, end: number): void {
    this.empty = false;
    const text = this.utf8.write(chunk.subarray(start, end));
    this.utf8Open = chunk[end - 1] >= 0x80;
    if (CONTROL.test(text)) {
      throw new JsonSyntaxError();
    }
    this.characters(text);
  }

  private flushUtf8(): void {
    if (this.utf8Open) {
      this.utf8Open = false;
      const rest = this.utf8.end();
      if (rest) {
        this.characters(rest);
      }
    }
  }

  /** `\"`, `\n`, `\u00e9`...: the escape's character goes where it stands in the string. */
  private readEscape(chunk: Buffer, pos: number): number {
    this.empty = false;
    while (pos < chunk.length) {
      this.escape += String.fromCharCode(chunk[pos++]);
      const escape = this.escape as string;
      if (escape[0] !== 'u') {
        const char = ESCAPES[escape];
        if (char === undefined) {
          throw new JsonSyntaxError();
        }
        this.escape = undefined;
        this.characters(char);
        return pos;
      }
      if (escape.length === 5) {
        if (!/^u[0-9a-fA-F]{4}$/.test(escape)) {
          throw new JsonSyntaxError();
        }
        this.escape = undefined;
        this.characters(String.fromCharCode(parseInt(escape.slice(1), 16)));
        return pos;
      }
    }
    return pos;
  }

  /** Any characters of the string value, in order. */
  private characters(text: string): void {
    switch (this.phase) {
      case Phase.Start:
        this.text += text;
        if (this.text.length >= 5 || !'data:'.startsWith(this.text)) {
          this.afterStart();
        }
        return;
      case Phase.Header: {
        this.text += text;
        const comma = this.text.indexOf(',');
        if (comma >= 0) {
          const header = this.text;
          this.text = '';
          if (this.readHeader(header.slice(0, comma))) {
            this.characters(header.slice(comma + 1));
          }
        }
        return;
      }
      case Phase.Payload:
        this.payloadCharacters(text);
        return;
      case Phase.Failed:
        return;
    }
  }

  private afterStart(): void {
    const text = this.text;
    this.text = '';
    if (text.startsWith('data:')) {
      this.phase = Phase.Header;
      this.characters(text.slice('data:'.length));
    } else {
      this.phase = Phase.Payload;
      this.payloadCharacters(text);
    }
  }

  /** `<mime>;...;base64` of a data URL; false when it is not that. */
  private readHeader(header: string): boolean {
    const params = header.split(';');
    if (params.pop()?.toLowerCase() !== 'base64') {
      this.fail(BASE64_ERRORS.dataUrl);
      return false;
    }
    this.mimeType = params[0] || undefined;
    this.phase = Phase.Payload;
    return true;
  }

  /** Payload characters that may include whitespace, padding or anything else. */
  private payloadCharacters(text: string): void {
    const special = /[^A-Za-z0-9+/]/g;
    let plainStart = 0;
    for (let match = special.exec(text); match; match = special.exec(text)) {
      const char = match[0];
      this.payload(text.slice(plainStart, match.index));
      plainStart = match.index + 1;
      if (char === '=') {
        this.count++;
        if (++this.padding > 2) {
          this.fail(BASE64_ERRORS.invalid);
        }
      } else if (!WHITESPACE.test(char)) {
        this.fail(BASE64_ERRORS.invalid);
      }
      if (this.phase === Phase.Failed) {
        return;
      }
    }
    this.payload(text.slice(plainStart));
  }

  /**
   * Takes `text` (no quotes or backslashes) if it is all base64 alphabet, decoding it with what
   * is pending; false, with nothing taken, otherwise. Node's decoder skips characters outside the
   * alphabet, so fewer bytes than 3 per 4 characters means one was there; it also accepts the
   * URL-safe `-` and `_`, which are looked for separately.
   */
  private takeStretch(text: string): boolean {
    const all = this.pending + text;
    const whole = all.length - (all.length % 4);
    const piece = all.slice(0, whole);
    const bytes = Buffer.from(piece, 'base64');
    const rest = all.slice(whole);
    if (bytes.length * 4 !== whole * 3 || piece.includes('-') || piece.includes('_') || [...rest].some((c) => ALPHABET[c.charCodeAt(0)] !== 1)) {
      return false;
    }
    this.count += text.length;
    this.pending = rest;
    this.output(bytes);
    return true;
  }

  /** Base64 alphabet characters only. */
  private payload(run: string): void {
    if (run.length === 0 || this.phase !== Phase.Payload) {
      return;
    }
    if (this.padding > 0) {
      this.fail(BASE64_ERRORS.invalid); // characters after the padding
      return;
    }
    this.count += run.length;
    this.pending += run;
    if (this.pending.length >= DECODE_CHARS) {
      const whole = this.pending.length - (this.pending.length % 4);
      this.output(Buffer.from(this.pending.slice(0, whole), 'base64'));
      this.pending = this.pending.slice(whole);
    }
  }

  private output(bytes: Buffer): void {
    this.decodedBytes += bytes.length;
    if (this.hooks.maxBytes !== undefined && this.decodedBytes > this.hooks.maxBytes) {
      // Over the cap: the exact size is only known at the end, but nothing more is kept.
      this.overLimit = true;
    }
    if (this.overLimit || bytes.length === 0) {
      return;
    }
    this.writer ??= this.hooks.newWriter();
    if (!this.writer.write(bytes)) {
      this.hooks.pause();
    }
  }

  private fail(message: string): void {
    this.phase = Phase.Failed;
    this.error ??= message;
    this.pending = '';
  }

  private async finish(): Promise<{ file: DecodedFile } | { error: ApiError }> {
    if (this.empty) {
      this.fail(BASE64_ERRORS.required);
    } else if (this.phase === Phase.Start) {
      this.afterStart();
    } else if (this.phase === Phase.Header) {
      this.fail(BASE64_ERRORS.dataUrl); // no comma
    }
    if (this.phase === Phase.Payload && (this.count === 0 || this.count % 4 !== 0)) {
      this.fail(BASE64_ERRORS.invalid);
    }
    if (this.phase !== Phase.Payload) {
      await this.writer?.abort();
      return { error: new ApiError(400, this.error ?? BASE64_ERRORS.invalid) };
    }
    const size = (this.count / 4) * 3 - this.padding;
    const { maxBytes } = this.hooks;
    if (maxBytes !== undefined && size > maxBytes) {
      await this.writer?.abort();
      return { error: new ApiError(400, BASE64_ERRORS.tooLarge(size, maxBytes)) };
    }
    this.output(Buffer.from(this.pending + '='.repeat(this.padding), 'base64'));
    this.pending = '';
    this.writer ??= this.hooks.newWriter();
    const written = await this.writer.finish();
    return { file: { tempPath: this.writer.path, size: written, mimeType: this.mimeType } };
  }
}
