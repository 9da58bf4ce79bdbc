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

/** A label of printable ASCII words with single spaces between them: nothing to trim, collapse or fold. */
const PLAIN_LABEL = /^[!-~]+(?: [!-~]+)*$/;

/**
 * The key a label matches by: trimmed, inner whitespace collapsed, Unicode case folded (lower,
 * then upper, then lower case, so that e.g. `ẞ` matches `SS` and `K` (Kelvin) matches `k`). For a
 * plain ASCII label that is just its lower case, which most labels take directly.
 */
export function normalizeLabel(label: string): string {
  if (PLAIN_LABEL.test(label)) {
    return label.toLowerCase();
  }
  return label.trim().replace(/\s+/g, ' ').toLowerCase().toUpperCase().toLowerCase();
}

export interface Destination {
  start: number;
  end: number;
  angle: boolean;
  next: number;
}

/** A destination object to fill; parsing reuses one, since a document holds thousands. */
export function newDestination(): Destination {
  return { start: 0, end: 0, angle: false, next: 0 };
}

function fill(into: Destination, start: number, end: number, angle: boolean, next: number): Destination {
  into.start = start;
  into.end = end;
  into.angle = angle;
  into.next = next;
  return into;
}

/** A link destination at `p`: `<...>` or a raw destination with balanced parentheses, written into `into`. */
export function parseDestination(s: string, p: number, into: Destination): Destination | undefined {
  const n = s.length;
  if (s.charCodeAt(p) === 60) {
    for (let q = p + 1; q < n; q++) {
      const c = s.charCodeAt(q);
      if (c === 92 && q + 1 < n && isAsciiPunctuation(s.charCodeAt(q + 1))) {
        q++;
      } else if (c === 62) {
        return fill(into, p + 1, q, true, q + 1);
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
  return depth === 0 ? fill(into, p, q, false, q) : undefined;
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
export function parseTitle(s: string, p: number, noClose: CloserMemo): number {
  const open = s.charCodeAt(p);
  const close = open === 40 ? 41 : open;
  const known = noClose.get(close);
  if (known >= 0 && p >= known) {
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

/**
 * Where a search for a closing character (`"`, `'`, `)`) or string (`-->`, `?>`, `]]>`, `>`) last
 * ran to the end of a region without finding it: from there on it never will. Keeps scanning
 * linear; one per scanner, cleared for each region, so no region allocates one.
 */
export class CloserMemo {
  private readonly from = new Map<number | string, number>();
  private used = false;

  /** Where searches for `close` are known to fail from, or -1. */
  get(close: number | string): number {
    return this.used ? (this.from.get(close) ?? -1) : -1;
  }

  set(close: number | string, from: number): void {
    this.used = true;
    this.from.set(close, from);
  }

  clear(): void {
    if (this.used) {
      this.from.clear();
      this.used = false;
    }
  }
}
