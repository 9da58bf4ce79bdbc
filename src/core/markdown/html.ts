import type { Region } from './region';
import { decodeEntities } from './syntax';
import type { LinkTarget } from './targets';

/*
 * `<img src>` in HTML, read by CommonMark's grammar of tags: in HTML blocks and, one tag at a
 * time, where the inline scanner meets raw HTML.
 */

/** One attribute of a tag, as CommonMark defines it. */
export const ATTRIBUTE = String.raw`(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>\x60]+|'[^']*'|"[^"]*"))?)`;
/** An open tag: its name and its attributes. */
export const OPEN_TAG = new RegExp(String.raw`<([A-Za-z][A-Za-z0-9-]*)(${ATTRIBUTE}*)\s*\/?>`, 'y');
const ATTRIBUTES = /\s+([A-Za-z_:][A-Za-z0-9_.:-]*)(?:\s*=\s*(?:([^\s"'=<>`]+)|'([^']*)'|"([^"]*)"))?/y;

/** Reports the `src` of an `<img>` open tag matched by OPEN_TAG at `at`. */
export function reportImgTag(region: Region, match: RegExpExecArray, at: number, out: LinkTarget[]): void {
  if (match[1].toLowerCase() !== 'img') {
    return;
  }
  let src: { start: number; value: string } | undefined;
  let alt = '';
  const attributes = match[2];
  const offset = at + 1 + match[1].length;
  ATTRIBUTES.lastIndex = 0;
  for (let m = ATTRIBUTES.exec(attributes); m; m = ATTRIBUTES.exec(attributes)) {
    const value = m[2] ?? m[3] ?? m[4];
    if (value === undefined) {
      continue;
    }
    const name = m[1].toLowerCase();
    const quoted = m[2] === undefined ? 1 : 0;
    if (name === 'src' && !src) {
      src = { start: offset + m.index + m[0].length - quoted - value.length, value };
    } else if (name === 'alt') {
      alt = decodeEntities(value);
    }
  }
  if (!src) {
    return;
  }
  const lead = src.value.length - src.value.trimStart().length;
  const trimmed = src.value.trim();
  if (trimmed) {
    const start = src.start + lead;
    region.report(out, start, start + trimmed.length, decodeEntities(trimmed), false, 'html', alt);
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
    OPEN_TAG.lastIndex = i;
    const match = OPEN_TAG.exec(s);
    if (match) {
      reportImgTag(region, match, i, out);
      i += match[0].length - 1;
    }
  }
}
