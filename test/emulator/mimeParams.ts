/**
 * The parameter grammar of `Content-Type` and `Content-Disposition` (RFC 7231 §3.1.1.1,
 * RFC 6266, RFC 5987 extended values such as `filename*=UTF-8''na%C3%AFve.txt`), as the emulator
 * reads them on a multipart request and on each of its parts.
 *
 * The grammar and its leniencies are busboy's (which the emulator used before it parsed multipart
 * itself, and which the tests compare the parser against): a malformed header yields `undefined`,
 * never an exception. One deliberate difference: a charset busboy does not list (say `shift_jis`)
 * is decoded with `TextDecoder`, where busboy's decoder for those always fails.
 */

/** A table of the byte values (0–255) listed in `chars` and `ranges`. */
function charTable(chars: string, ...ranges: Array<[number, number]>): Uint8Array {
  const table = new Uint8Array(256);
  for (const char of chars) {
    table[char.charCodeAt(0)] = 1;
  }
  for (const [from, to] of ranges) {
    table.fill(1, from, to + 1);
  }
  return table;
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** RFC 7230 `tchar`. */
export const TOKEN = charTable(`${ALNUM}!#$%&'*+-.^_\`|~`);
/** Characters allowed unescaped in a quoted string: tab, visible ASCII but `"` and `\`, and obs-text. */
const QDTEXT = charTable('\t !', [0x23, 0x5b], [0x5d, 0x7e], [0x80, 0xff]);
/** RFC 5987 `mime-charsetc`. */
const CHARSET = charTable(`${ALNUM}!#$%&+-^_\`{}~`);
/** RFC 5987 `attr-char`. */
const ATTR_CHAR = charTable(`${ALNUM}!#$&+-.^_\`|~`);

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;
const SEMICOLON = 59;
const EQUALS = 61;
const APOSTROPHE = 39;
const PERCENT = 37;
const SLASH = 47;

export interface ContentType {
  /** Lower-cased. */
  type: string;
  /** Lower-cased. */
  subtype: string;
  /** Parameter names lower-cased; the first of a repeated name wins. */
  params: Record<string, string>;
}

export interface Disposition {
  /** Lower-cased, e.g. `form-data`. */
  type: string;
  /** Parameter names lower-cased (`name`, `filename`, `filename*`); values decoded. */
  params: Record<string, string>;
}

/** `type/subtype; name=value; name="quoted value"`, or undefined when malformed. */
export function parseContentType(text: string): ContentType | undefined {
  const slash = scan(text, 0, TOKEN);
  if (slash === 0 || slash === text.length || text.charCodeAt(slash) !== SLASH) {
    return undefined;
  }
  const end = scan(text, slash + 1, TOKEN);
  if (end === slash + 1) {
    return undefined;
  }
  const params = Object.create(null) as Record<string, string>;
  if (end < text.length && !parseParams(text, end, params, false)) {
    return undefined;
  }
  return { type: text.slice(0, slash).toLowerCase(), subtype: text.slice(slash + 1, end).toLowerCase(), params };
}

/**
 * `form-data; name="field"; filename="a.png"`, or undefined when malformed. Plain values are read
 * as UTF-8 (what browsers and undici send); extended (`name*`) values in their declared charset.
 */
export function parseDisposition(text: string): Disposition | undefined {
  if (text.length === 0) {
    return undefined;
  }
  const end = scan(text, 0, TOKEN);
  const params = Object.create(null) as Record<string, string>;
  if (end < text.length && !parseParams(text, end, params, true)) {
    return undefined;
  }
  return { type: text.slice(0, end).toLowerCase(), params };
}

/**
 * Decodes bytes in a MIME charset; undefined for a charset nobody knows. The aliases are busboy's
 * (its `latin1` family, for one, includes `windows-1252` and `ascii`).
 */
export function decodeText(bytes: Buffer, charset: string): string | undefined {
  if (bytes.length === 0) {
    return '';
  }
  switch (charset.toLowerCase()) {
    case 'utf-8':
    case 'utf8':
      return bytes.toString('utf8');
    case 'latin1':
    case 'ascii':
    case 'us-ascii':
    case 'iso-8859-1':
    case 'iso8859-1':
    case 'iso88591':
    case 'iso_8859-1':
    case 'windows-1252':
    case 'iso_8859-1:1987':
    case 'cp1252':
    case 'x-cp1252':
      return bytes.toString('latin1');
    case 'utf16le':
    case 'utf-16le':
    case 'ucs2':
    case 'ucs-2':
      return bytes.toString('utf16le');
    case 'base64':
      return bytes.toString('base64');
    default:
      try {
        return new TextDecoder(charset).decode(bytes);
      } catch {
        return undefined;
      }
  }
}

/** The index of the first character at or after `i` that is not in `table`. */
function scan(text: string, i: number, table: Uint8Array): number {
  while (i < text.length && table[text.charCodeAt(i)] === 1) {
    i++;
  }
  return i;
}

function skipBlanks(text: string, i: number): number {
  while (i < text.length && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) {
    i++;
  }
  return i;
}

/**
 * Reads `; name=value` pairs from `i` to the end into `params`. False when malformed.
 * `disposition`: values are decoded (plain ones as UTF-8) and `name*` extended values allowed.
 */
function parseParams(text: string, i: number, params: Record<string, string>, disposition: boolean): boolean {
  while (i < text.length) {
    i = skipBlanks(text, i);
    if (i === text.length) {
      break;
    }
    if (text.charCodeAt(i++) !== SEMICOLON) {
      return false;
    }
    i = skipBlanks(text, i);
    const nameStart = i;
    i = scan(text, i, TOKEN);
    if (i === text.length || text.charCodeAt(i) !== EQUALS) {
      return false;
    }
    const name = text.slice(nameStart, i);
    let value: string | undefined;
    if (disposition && name.endsWith('*')) {
      const extended = readExtendedValue(text, i + 1);
      if (!extended) {
        return false;
      }
      ({ value, end: i } = extended);
    } else {
      const plain = readValue(text, i + 1);
      if (!plain) {
        return false;
      }
      ({ value, end: i } = plain);
      if (disposition) {
        value = decodeText(Buffer.from(value, 'latin1'), 'utf8');
      }
    }
    if (value === undefined) {
      return false;
    }
    const key = name.toLowerCase();
    if (params[key] === undefined) {
      params[key] = value;
    }
  }
  return true;
}

/** A token or a quoted string starting at `i`. Only `\"` and `\\` are unescaped; `\x` stays as is. */
function readValue(text: string, i: number): { value: string; end: number } | undefined {
  if (i >= text.length) {
    return undefined;
  }
  if (text.charCodeAt(i) !== QUOTE) {
    const end = scan(text, i, TOKEN);
    return end === i ? undefined : { value: text.slice(i, end), end };
  }
  let value = '';
  for (i++; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code === QUOTE) {
      return { value, end: i + 1 };
    }
    if (code === BACKSLASH && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next === QUOTE || next === BACKSLASH) {
        value += text[++i];
        continue;
      }
      if (QDTEXT[next] !== 1) {
        return undefined;
      }
      value += '\\';
      code = next;
      i++;
    } else if (QDTEXT[code] !== 1) {
      return undefined;
    }
    value += String.fromCharCode(code);
  }
  return undefined; // no closing quote
}

/** `charset'language'percent-encoded-value` (RFC 5987) starting at `i`, decoded. */
function readExtendedValue(text: string, i: number): { value: string | undefined; end: number } | undefined {
  const charsetEnd = scan(text, i, CHARSET);
  if (charsetEnd === text.length || text.charCodeAt(charsetEnd) !== APOSTROPHE) {
    return undefined;
  }
  const charset = text.slice(i, charsetEnd);
  const languageEnd = text.indexOf("'", charsetEnd + 1);
  if (languageEnd < 0 || languageEnd + 1 === text.length) {
    return undefined;
  }
  const bytes: number[] = [];
  for (i = languageEnd + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (ATTR_CHAR[code] === 1) {
      bytes.push(code);
    } else if (code === PERCENT) {
      const byte = /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3)) ? parseInt(text.slice(i + 1, i + 3), 16) : NaN;
      if (Number.isNaN(byte)) {
        return undefined;
      }
      bytes.push(byte);
      i += 2;
    } else {
      break;
    }
  }
  return { value: decodeText(Buffer.from(bytes), charset), end: i };
}
