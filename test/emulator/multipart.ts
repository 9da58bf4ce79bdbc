/**
 * A streaming multipart/form-data parser (RFC 7578) built for throughput: the boundary is found
 * with `Buffer.indexOf` (native code) and a file part's bytes are handed on as views of the
 * chunks that arrived, never copied, so a 1 GiB upload costs a few thousand calls, not a billion
 * byte comparisons in JavaScript.
 *
 * What it accepts and how it reads part headers follows busboy, which the emulator used before
 * and which the property tests compare it against (same fields, same files, same bytes, however
 * the body is split into chunks). The state machine below mirrors busboy's, quirks included:
 * everything between two boundary delimiters is one segment; a segment starts with what follows
 * the boundary (`--` ends the form, CRLF starts the part headers, anything else makes the part
 * ignored), then the headers, then the part's content.
 */
import { decodeText, parseContentType, parseDisposition, TOKEN } from './mimeParams';

export interface MultipartLimits {
  /** Bytes of a text field's value; a value that reaches it is reported truncated. */
  fieldSize: number;
  /** Text fields. */
  fields: number;
  /** Parts (fields, files and ignored parts). */
  parts: number;
}

export interface FileInfo {
  /** The part's file name (`filename*` preferred over `filename`), without any directory. */
  filename?: string;
  /** The part's Content-Type essence; `text/plain` when it declares none (RFC 7578 §4.4). */
  mimeType: string;
  /** The part's Content-Transfer-Encoding, lower-cased; `7bit` when it declares none. */
  encoding: string;
}

export interface FieldInfo {
  /** The value reached `limits.fieldSize` bytes and was cut there. */
  truncated: boolean;
  mimeType: string;
}

/** What the parser reports, in body order. An exception thrown by a handler stops the parse. */
export interface MultipartHandler {
  field(name: string | undefined, value: string | undefined, info: FieldInfo): void;
  /** A file part begins; return false to have its content skipped. */
  fileStart(name: string | undefined, info: FileInfo): boolean;
  /** A piece of the current file's content: a view of an input chunk, valid as long as the chunk is. */
  fileData(data: Buffer): void;
  fileEnd(): void;
  /** A limit was reached (reported once per kind); parsing continues unless the handler throws. */
  limit(kind: 'parts' | 'fields'): void;
}

/** A malformed body (as opposed to an exception thrown by a handler). */
export class MultipartError extends Error {}

/** The boundary of a `multipart/form-data` Content-Type header, or a MultipartError saying what is wrong. */
export function multipartBoundary(contentType: string | undefined): string {
  const parsed = contentType === undefined ? undefined : parseContentType(contentType);
  if (!parsed) {
    throw new MultipartError('Malformed content type');
  }
  if (parsed.type !== 'multipart' || parsed.subtype !== 'form-data') {
    throw new MultipartError(`Unsupported content type: ${contentType}`);
  }
  const boundary = parsed.params.boundary;
  if (typeof boundary !== 'string') {
    throw new MultipartError('Multipart: Boundary not found');
  }
  return boundary;
}

const CR = 13;
const LF = 10;
const DASH = 45;
const DASH_BYTE = Buffer.from('-');
const CR_BYTE = Buffer.from('\r');

/** What comes right after a boundary delimiter: nothing read yet, one `-`, or a CR. */
const enum AfterBoundary {
  None,
  Start,
  Dash,
  Cr,
}

export class MultipartParser {
  /** `CRLF--boundary`: a boundary line, including the line break that ends the previous part. */
  private readonly delimiter: Buffer;
  /** A prefix of the delimiter seen at the end of the previous chunk (always starts with CR). */
  private tail: Buffer | undefined;
  private after = AfterBoundary.None;
  private readonly headers = new PartHeaderParser();
  private readingHeaders = false;
  private complete = false;

  private parts = -1; // the first boundary opens the first part
  private fields = 0;
  private skipPart = false;
  private inFile = false;
  private field: { name: string | undefined; chunks: Buffer[]; size: number; charset: string; mimeType: string; truncated: boolean } | undefined;
  private readonly limitsHit = new Set<'parts' | 'fields'>();

  constructor(
    boundary: string,
    private readonly limits: MultipartLimits,
    private readonly handler: MultipartHandler,
  ) {
    // A boundary never contains CR (neither a token nor a quoted string may), so a delimiter can
    // only start at a CR: the partial-match logic in write() relies on that.
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    // As if the body began with a line break, so that a boundary on its very first line counts.
    this.tail = Buffer.from('\r\n');
  }

  /** True once the closing boundary (`--boundary--`) has been read; the rest is ignored. */
  get done(): boolean {
    return this.complete;
  }

  /** Parses the next chunk of the body. Throws a MultipartError when the body is malformed. */
  write(chunk: Buffer): void {
    const delimiter = this.delimiter;
    const length = chunk.length;
    let pos = 0;
    if (this.tail) {
      const tail = this.tail;
      const needed = delimiter.length - tail.length;
      const available = Math.min(needed, length);
      if (chunk.compare(delimiter, tail.length, tail.length + available, 0, available) === 0) {
        if (available < needed) {
          this.tail = Buffer.concat([tail, chunk]);
          return;
        }
        this.tail = undefined;
        this.onDelimiter();
        pos = needed;
      } else {
        // No delimiter starts inside the tail: it is content after all.
        this.tail = undefined;
        this.onData(tail, 0, tail.length);
      }
    }
    while (pos < length && !this.complete) {
      const found = chunk.indexOf(delimiter, pos);
      if (found >= 0) {
        this.onData(chunk, pos, found);
        if (this.complete) {
          return;
        }
        this.onDelimiter();
        pos = found + delimiter.length;
        continue;
      }
      // The chunk may end with the start of a delimiter: keep that back until the next chunk.
      let partial = chunk.indexOf(CR, Math.max(pos, length - delimiter.length + 1));
      while (partial >= 0 && chunk.compare(delimiter, 0, length - partial, partial, length) !== 0) {
        partial = chunk.indexOf(CR, partial + 1);
      }
      const end = partial >= 0 ? partial : length;
      this.onData(chunk, pos, end);
      if (partial >= 0 && !this.complete) {
        this.tail = Buffer.from(chunk.subarray(partial));
      }
      return;
    }
  }

  /** The body has ended. Throws a MultipartError unless the form was complete. */
  end(): void {
    if (!this.complete) {
      throw new MultipartError('Unexpected end of form');
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** Bytes between two delimiters (busboy's `ssCb` without a match). */
  private onData(data: Buffer, start: number, end: number): void {
    for (;;) {
      if (this.readingHeaders) {
        const consumed = this.headers.push(data, start, end);
        if (consumed < 0) {
          this.readingHeaders = false;
          this.headers.reset();
          throw new MultipartError('Malformed part header');
        }
        start = Math.min(consumed, end);
        if (this.headers.done) {
          this.readingHeaders = false;
          this.startPart(this.headers.take());
        }
      }
      if (start === end) {
        return;
      }
      if (this.after !== AfterBoundary.None) {
        if (this.after === AfterBoundary.Start) {
          const code = data[start];
          this.after = code === DASH ? AfterBoundary.Dash : code === CR ? AfterBoundary.Cr : AfterBoundary.None;
          if (this.after !== AfterBoundary.None) {
            start++;
          }
          if (start === end) {
            return;
          }
        }
        if (this.after === AfterBoundary.Dash) {
          this.after = AfterBoundary.None;
          if (data[start] === DASH) {
            this.complete = true;
            return;
          }
          this.onData(DASH_BYTE, 0, 1); // not the end after all: the dash is content
        } else if (this.after === AfterBoundary.Cr) {
          this.after = AfterBoundary.None;
          if (data[start] === LF) {
            start++;
            if (this.parts >= this.limits.parts) {
              return;
            }
            this.readingHeaders = true;
            if (start === end) {
              return;
            }
            continue;
          }
          this.onData(CR_BYTE, 0, 1);
        }
      }
      if (!this.skipPart) {
        if (this.inFile) {
          this.handler.fileData(data.subarray(start, end));
        } else if (this.field) {
          this.addToField(data, start, end);
        }
      }
      return;
    }
  }

  private addToField(data: Buffer, start: number, end: number): void {
    const field = this.field!;
    const length = Math.min(end - start, this.limits.fieldSize - field.size);
    field.chunks.push(data.subarray(start, start + length));
    field.size += length;
    if (field.size === this.limits.fieldSize) {
      this.skipPart = true;
      field.truncated = true;
    }
  }

  /** A boundary delimiter (busboy's `ssCb` on a match): the current part ends. */
  private onDelimiter(): void {
    this.after = AfterBoundary.Start;
    if (this.inFile) {
      this.inFile = false;
      this.handler.fileEnd();
    } else if (this.field) {
      const { name, chunks, size, charset, mimeType, truncated } = this.field;
      this.field = undefined;
      const value = decodeText(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), charset);
      this.handler.field(name, value, { truncated, mimeType });
    }
    if (++this.parts === this.limits.parts) {
      this.hitLimit('parts');
    }
  }

  /** A part's headers are complete: decide whether it is a file, a field, or to be ignored. */
  private startPart(headers: Map<string, string[]>): void {
    this.skipPart = false;
    const disposition = headers.get('content-disposition')?.[0];
    const parsed = disposition === undefined ? undefined : parseDisposition(disposition);
    if (!parsed || parsed.type !== 'form-data') {
      this.skipPart = true;
      return;
    }
    const name = parsed.params.name || undefined;
    // An empty filename counts as none (so such a part is a text field, unless typed octet-stream).
    const rawName = parsed.params['filename*'] || parsed.params.filename || undefined;
    const filename = rawName === undefined ? undefined : basename(rawName);
    let mimeType = 'text/plain';
    let charset = 'utf8';
    const contentType = headers.get('content-type')?.[0];
    const type = contentType === undefined ? undefined : parseContentType(contentType);
    if (type) {
      mimeType = `${type.type}/${type.subtype}`;
      if (typeof type.params.charset === 'string') {
        charset = type.params.charset.toLowerCase();
      }
    }
    const encoding = headers.get('content-transfer-encoding')?.[0].toLowerCase() ?? '7bit';
    if (mimeType === 'application/octet-stream' || filename !== undefined) {
      this.inFile = this.handler.fileStart(name, { filename, mimeType, encoding });
      this.skipPart = !this.inFile;
      return;
    }
    if (this.fields === this.limits.fields) {
      this.hitLimit('fields');
      this.skipPart = true;
      return;
    }
    this.fields++;
    this.field = { name, chunks: [], size: 0, charset, mimeType, truncated: false };
  }

  private hitLimit(kind: 'parts' | 'fields'): void {
    if (!this.limitsHit.has(kind)) {
      this.limitsHit.add(kind);
      this.handler.limit(kind);
    }
  }
}

/** The last segment of a path-like file name; `.` and `..` become empty. */
function basename(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  return base === '.' || base === '..' ? '' : base;
}

// -------------------------------------------------------------------------------------------------

/** Node's own defaults for HTTP headers, which busboy applies to part headers too. */
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_HEADER_PAIRS = 2000;

/** Header values may hold tab, visible ASCII, space and obs-text. */
const FIELD_VCHAR = (() => {
  const table = new Uint8Array(256);
  table[9] = 1;
  table.fill(1, 0x20, 0x7f);
  table.fill(1, 0x80, 0x100);
  return table;
})();

const enum HeaderState {
  Name,
  Blank,
  Value,
}

/**
 * The header block of one part, fed incrementally: `Name: value` lines (obsolete line folding
 * accepted), ended by an empty line, at most 16 KiB. Names are lower-cased; values read as latin1.
 */
class PartHeaderParser {
  done = false;
  private header = new Map<string, string[]>();
  private pairs = 0;
  private bytes = 0;
  private state = HeaderState.Name;
  private name = '';
  private value = '';
  /** Line-break progress inside a value: 0 none, 1 CR, 2 CRLF, 3 CRLF CR. */
  private crlf = 0;

  reset(): void {
    this.done = false;
    this.header = new Map();
    this.pairs = 0;
    this.bytes = 0;
    this.state = HeaderState.Name;
    this.name = '';
    this.value = '';
    this.crlf = 0;
  }

  /** The headers read, once `done`; resets for the next part. */
  take(): Map<string, string[]> {
    const header = this.header;
    this.reset();
    return header;
  }

  /** Consumes bytes of `data[pos, end)`; returns where it stopped (the end of the block, or `end`), -1 if malformed. */
  push(data: Buffer, pos: number, end: number): number {
    let start = pos;
    while (pos < end) {
      if (this.state === HeaderState.Name) {
        for (; pos < end; pos++) {
          if (!this.count()) {
            return -1;
          }
          const code = data[pos];
          if (TOKEN[code] !== 1) {
            if (code !== 58 /* : */) {
              return -1;
            }
            this.name += data.toString('latin1', start, pos);
            if (this.name.length === 0) {
              return -1;
            }
            pos++;
            this.state = HeaderState.Blank;
            break;
          }
        }
        if (this.state === HeaderState.Name) {
          this.name += data.toString('latin1', start, pos);
          break;
        }
      }
      if (this.state === HeaderState.Blank) {
        for (; pos < end; pos++) {
          if (!this.count()) {
            return -1;
          }
          const code = data[pos];
          if (code !== 32 && code !== 9) {
            start = pos;
            this.state = HeaderState.Value;
            break;
          }
        }
        if (this.state === HeaderState.Blank) {
          break;
        }
      }
      switch (this.crlf) {
        case 0:
          for (; pos < end; pos++) {
            if (!this.count()) {
              return -1;
            }
            const code = data[pos];
            if (FIELD_VCHAR[code] !== 1) {
              if (code !== CR) {
                return -1;
              }
              this.crlf = 1;
              break;
            }
          }
          this.value += data.toString('latin1', start, pos++);
          break;
        case 1:
          if (!this.count() || data[pos++] !== LF) {
            return -1;
          }
          this.crlf = 2;
          break;
        case 2: {
          if (!this.count()) {
            return -1;
          }
          const code = data[pos];
          if (code === 32 || code === 9) {
            // A folded line continues the value.
            start = pos;
            this.crlf = 0;
          } else {
            if (++this.pairs < MAX_HEADER_PAIRS) {
              const name = this.name.toLowerCase();
              const values = this.header.get(name);
              if (values) {
                values.push(this.value);
              } else {
                this.header.set(name, [this.value]);
              }
            }
            if (code === CR) {
              this.crlf = 3;
              pos++;
            } else {
              start = pos;
              this.crlf = 0;
              this.state = HeaderState.Name;
              this.name = '';
              this.value = '';
            }
          }
          break;
        }
        case 3:
          if (!this.count() || data[pos++] !== LF) {
            return -1;
          }
          this.done = true;
          return pos;
      }
    }
    return pos;
  }

  /** Counts one more header byte; false once the block is over its size limit. */
  private count(): boolean {
    if (this.bytes === MAX_HEADER_BYTES) {
      return false;
    }
    this.bytes++;
    return true;
  }
}
