/*
 * The pieces of CommonMark's link syntax that reference definitions and inline links share:
 * destinations, titles and labels, backslash escapes and character references.
 */

/** Parentheses nest at most this deep in a raw destination (as in the reference implementations). */
const MAX_PAREN_DEPTH = 32;

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', Tab: '\t', NewLine: '\n' };

function decodeEntity(body: string): string | undefined {
  if (body.startsWith('#')) {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? '\ufffd' : String.fromCodePoint(code);
  }
  return Object.prototype.hasOwnProperty.call(NAMED_ENTITIES, body) ? NAMED_ENTITIES[body] : undefined;
}

const ENTITY = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/g;
const ESCAPE_OR_ENTITY = /\\([!-/:-@[-`{-~])|&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/g;

/** Resolves backslash escapes and character references, as CommonMark does in destinations and titles. */
export function unescapeMarkdown(text: string): string {
  if (!text.includes('\\') && !text.includes('&')) {
    return text;
  }
  return text.replace(ESCAPE_OR_ENTITY, (whole, escaped: string | undefined, entity: string | undefined) =>
    escaped !== undefined ? escaped : (decodeEntity(entity ?? '') ?? whole),
  );
}

export function decodeEntities(text: string): string {
  return text.includes('&') ? text.replace(ENTITY, (whole, entity: string) => decodeEntity(entity) ?? whole) : text;
}

export function isAsciiPunctuation(code: number): boolean {
  return (code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126);
}

export function normalizeLabel(label: string): string {
  return label.trim().replace(/\s+/g, ' ').toLowerCase().toUpperCase();
}

export interface Destination {
  start: number;
  end: number;
  angle: boolean;
  next: number;
}

/** A link destination at `p`: `<...>` or a raw destination with balanced parentheses. */
export function parseDestination(s: string, p: number): Destination | undefined {
  const n = s.length;
  if (s.charCodeAt(p) === 60) {
    for (let q = p + 1; q < n; q++) {
      const c = s.charCodeAt(q);
      if (c === 92 && q + 1 < n && isAsciiPunctuation(s.charCodeAt(q + 1))) {
        q++;
      } else if (c === 62) {
        return { start: p + 1, end: q, angle: true, next: q + 1 };
      } else if (c === 60 || c === 10) {
        return undefined;
      }
    }
    return undefined;
  }
  let depth = 0;
  let q = p;
  for (; q < n; q++) {
    const c = s.charCodeAt(q);
    if (c === 92 && q + 1 < n && isAsciiPunctuation(s.charCodeAt(q + 1))) {
      q++;
    } else if (c <= 32 || c === 127) {
      break;
    } else if (c === 40) {
      if (++depth > MAX_PAREN_DEPTH) {
        return undefined;
      }
    } else if (c === 41) {
      if (depth === 0) {
        break;
      }
      depth--;
    }
  }
  return depth === 0 ? { start: p, end: q, angle: false, next: q } : undefined;
}

/** Spaces and tabs, with at most one line ending among them. */
export function skipSpace(s: string, p: number): number {
  let newline = false;
  for (; p < s.length; p++) {
    const c = s.charCodeAt(p);
    if (c === 10) {
      if (newline) {
        break;
      }
      newline = true;
    } else if (c !== 32 && c !== 9) {
      break;
    }
  }
  return p;
}

/** Just after the line ending when only spaces and tabs remain on the line from `p`, else -1. */
export function restOfLineBlank(s: string, p: number): number {
  for (; p < s.length; p++) {
    const c = s.charCodeAt(p);
    if (c === 10) {
      return p + 1;
    }
    if (c !== 32 && c !== 9) {
      return -1;
    }
  }
  return p;
}

/** A link title at `p` ("...", '...' or (...)): the offset after it, or -1. `noClose` remembers titles that ran to the end. */
export function parseTitle(s: string, p: number, noClose: Map<number, number>): number {
  const open = s.charCodeAt(p);
  const close = open === 40 ? 41 : open;
  const known = noClose.get(close);
  if (known !== undefined && p >= known) {
    return -1;
  }
  for (let q = p + 1; q < s.length; q++) {
    const c = s.charCodeAt(q);
    if (c === 92) {
      q++;
    } else if (c === close) {
      return q + 1;
    } else if (open === 40 && c === 40) {
      return -1;
    }
  }
  noClose.set(close, p);
  return -1;
}

export function isTitleStart(c: number): boolean {
  return c === 34 || c === 39 || c === 40;
}
