import type { Region } from './region';
import { decodeEntities } from './syntax';
import type { LinkTarget } from './targets';

/*
 * `<img src>` in HTML, read by CommonMark's grammar of tags: in HTML blocks and, one tag at a
 * time, where the inline scanner meets raw HTML.
 */

/** One attribute of a tag, as CommonMark defines it. */
export const ATTRIBUTE = String.raw`(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>\x60]+|'[^']*'|"[^"]*"))?)`;
/** An open tag. */
const OPEN_TAG = new RegExp(String.raw`<[A-Za-z][A-Za-z0-9-]*${ATTRIBUTE}*\s*\/?>`, 'y');

/** Where the open tag (by CommonMark's grammar) at `at` ends, or -1 when there is none. */
export function openTagEnd(s: string, at: number): number {
  OPEN_TAG.lastIndex = at;
  return OPEN_TAG.test(s) ? OPEN_TAG.lastIndex : -1;
}

/** What `\s` matches in a regular expression (the tag grammar's blanks). */
function isSpace(c: number): boolean {
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

function skipSpaces(s: string, p: number, end: number): number {
  while (p < end && isSpace(s.charCodeAt(p))) {
    p++;
  }
  return p;
}

/** [A-Za-z0-9_.:-] */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 46 || c === 45;
}

/** Whether s[from, to) is `lower` in any case (`lower`: ASCII letters). */
function nameIs(s: string, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) {
    return false;
  }
  for (let k = 0; k < lower.length; k++) {
    if ((s.charCodeAt(from + k) | 0x20) !== lower.charCodeAt(k)) {
      return false;
    }
  }
  return true;
}

/**
 * Reports the `src` of the open tag [at, end) (one OPEN_TAG matched) when it is an `<img>`: the
 * first `src` with a value, with the tag's `alt` as its text. The tag is known to be well formed,
 * so its attributes are read without checking them again, and without regular expressions.
 */
export function reportImgTag(region: Region, s: string, at: number, end: number, out: LinkTarget[]): void {
  if (!nameIs(s, at + 1, at + 4, 'img') || isNameChar(s.charCodeAt(at + 4))) {
    return;
  }
  let srcStart = -1;
  let srcEnd = -1;
  let alt = '';
  for (let p = at + 4; ; ) {
    const name = skipSpaces(s, p, end);
    p = name;
    while (p < end && isNameChar(s.charCodeAt(p))) {
      p++;
    }
    if (p === name) {
      break; // `/>` or `>`
    }
    const nameEnd = p;
    let q = skipSpaces(s, p, end);
    if (s.charCodeAt(q) !== 61) {
      continue; // An attribute without a value.
    }
    q = skipSpaces(s, q + 1, end);
    const quote = s.charCodeAt(q);
    const valueStart = quote === 34 || quote === 39 ? q + 1 : q;
    let valueEnd = valueStart;
    if (valueStart > q) {
      valueEnd = s.indexOf(s.charAt(q), valueStart);
      p = valueEnd + 1;
    } else {
      while (valueEnd < end && !isSpace(s.charCodeAt(valueEnd)) && s.charCodeAt(valueEnd) !== 62) {
        valueEnd++;
      }
      p = valueEnd;
    }
    if (srcStart < 0 && nameIs(s, name, nameEnd, 'src')) {
      srcStart = valueStart;
      srcEnd = valueEnd;
    } else if (nameIs(s, name, nameEnd, 'alt')) {
      alt = decodeEntities(s.slice(valueStart, valueEnd));
    }
  }
  const from = skipSpaces(s, srcStart, srcEnd);
  let to = srcEnd;
  while (to > from && isSpace(s.charCodeAt(to - 1))) {
    to--;
  }
  if (srcStart >= 0 && to > from) {
    region.report(out, from, to, decodeEntities(s.slice(from, to)), false, 'html', alt);
  }
}

/** `<img src>` in raw HTML (an HTML block), skipping comments. */
export function scanHtml(region: Region, out: LinkTarget[]): void {
  const s = region.content;
  for (let i = s.indexOf('<'); i >= 0; i = s.indexOf('<', i + 1)) {
    if (s.startsWith('<!--', i)) {
      const close = s.indexOf('-->', i + 4);
      if (close < 0) {
        return;
      }
      i = close + 2;
      continue;
    }
    const c = s.charCodeAt(i + 1) | 0x20;
    if (c !== 0x69) {
      // Only <img ...> (i/I) is reported.
      continue;
    }
    const end = openTagEnd(s, i);
    if (end >= 0) {
      reportImgTag(region, s, i, end, out);
      i = end - 1;
    }
  }
}
