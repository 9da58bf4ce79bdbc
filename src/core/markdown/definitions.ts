import type { Region } from './region';
import { CloserMemo, isTitleStart, newDestination, normalizeLabel, parseDestination, parseTitle, restOfLineBlank, skipSpace, unescapeMarkdown } from './syntax';

const destination = newDestination();
const noClose = new CloserMemo();
import type { LinkTarget } from './targets';

/** Reference definitions at the start of a paragraph: reports them, records their labels, returns where the rest starts. */
export function parseDefinitions(region: Region, refs: Set<string>, out: LinkTarget[]): number {
  const s = region.content;
  noClose.clear();
  let p = 0;
  for (;;) {
    if (s.charCodeAt(p) !== 91) {
      return p;
    }
    let q = p + 1;
    for (; q < s.length && q - p <= 1000; q++) {
      const c = s.charCodeAt(q);
      if (c === 92) {
        q++;
      } else if (c === 91 || c === 93) {
        break;
      }
    }
    const label = s.slice(p + 1, q);
    if (s.charCodeAt(q) !== 93 || s.charCodeAt(q + 1) !== 58 || label.length > 999 || !/\S/.test(label)) {
      return p;
    }
    const dest = parseDestination(s, skipSpace(s, q + 2), destination);
    if (!dest || (!dest.angle && dest.end === dest.start)) {
      return p;
    }
    let end = -1;
    const afterSpace = skipSpace(s, dest.next);
    if (afterSpace > dest.next && isTitleStart(s.charCodeAt(afterSpace))) {
      const title = parseTitle(s, afterSpace, noClose);
      if (title >= 0) {
        end = restOfLineBlank(s, title);
      }
    }
    if (end < 0) {
      end = restOfLineBlank(s, dest.next);
    }
    if (end < 0) {
      return p;
    }
    refs.add(normalizeLabel(label));
    if (dest.end > dest.start) {
      region.report(out, dest.start, dest.end, unescapeMarkdown(s.slice(dest.start, dest.end)), dest.angle, 'definition', unescapeMarkdown(label));
    }
    p = end;
  }
}
