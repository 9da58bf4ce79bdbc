import { openTagEnd, reportImgTag } from './html';
import { Region } from './region';
import { CloserMemo, isAsciiPunctuation, isTitleStart, newDestination, normalizeLabel, parseDestination, parseTitle, skipSpace, unescapeMarkdown, type Destination } from './syntax';
import type { LinkTarget } from './targets';

// eslint-disable-next-line no-control-regex -- CommonMark: no ASCII controls, spaces or angle brackets
const AUTOLINK = /<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20<>\x7f]*)>/y;
const EMAIL_AUTOLINK = /<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>/y;
const CLOSE_TAG = /<\/[A-Za-z][A-Za-z0-9-]*\s*>/y;
/** The characters the inline scanner stops at: \ ` < ! [ ] */
const INLINE_SPECIAL = /[\\`<![\]]/g;

/** Where each run of backticks starts, by its length: code spans close on the next run of their length. */
function backtickRuns(s: string): Map<number, number[]> {
  const runs = new Map<number, number[]>();
  for (let at = s.indexOf('`'); at >= 0; ) {
    let end = at + 1;
    while (s.charCodeAt(end) === 96) {
      end++;
    }
    const list = runs.get(end - at);
    if (list) {
      list.push(at);
    } else {
      runs.set(end - at, [at]);
    }
    at = s.indexOf('`', end);
  }
  return runs;
}

/** The scanner's region before it reads one. */
const NO_REGION = new Region('', true, false, 0, 0);

/** Link texts longer than this are reported as ''. */
const MAX_TEXT = 4096;

/**
 * A paragraph or heading read the way CommonMark's inline parser reads it: left to right, code
 * spans, autolinks and raw HTML taking their precedence, a bracket stack for link text.
 */
export class InlineScanner {
  /** The region being read, and its text. */
  private region = NO_REGION;
  private s = '';
  /** Open brackets: the offset of each '[' times two, plus one for an image's `![`. */
  private readonly stack: number[] = [];
  /** How many of `stack` are open: the array is reused from region to region. */
  private depth = 0;
  /** Link openers below this stack index are inactive (a link was closed after them: links do not nest). */
  private barrier = 0;
  private readonly noClose = new CloserMemo();
  private readonly destination = newDestination();
  private backtickRuns: Map<number, number[]> | undefined;

  /** `refs`: the labels defined in the document; `out` receives the destinations. */
  constructor(
    private readonly refs: Set<string>,
    private readonly out: LinkTarget[],
  ) {}

  /** Reads a region from its content offset `from` (past its definitions), reporting into `out`. */
  scan(region: Region, from: number): void {
    this.region = region;
    this.s = region.content;
    this.depth = 0;
    this.barrier = 0;
    this.noClose.clear();
    this.backtickRuns = undefined;
    const s = this.s;
    let i = from;
    for (;;) {
      // The regular expression engine skips plain text faster than a loop over char codes.
      INLINE_SPECIAL.lastIndex = i;
      if (!INLINE_SPECIAL.test(s)) {
        return;
      }
      i = INLINE_SPECIAL.lastIndex - 1;
      const c = s.charCodeAt(i);
      switch (c) {
        case 92: // \
          i += i + 1 < s.length && isAsciiPunctuation(s.charCodeAt(i + 1)) ? 2 : 1;
          break;
        case 96: // `
          i = this.codeSpan(i);
          break;
        case 60: // <
          i = this.angle(i);
          break;
        case 33: // !
          if (s.charCodeAt(i + 1) === 91) {
            this.stack[this.depth++] = (i + 1) * 2 + 1;
            i += 2;
          } else {
            i++;
          }
          break;
        case 91: // [
          this.stack[this.depth++] = i * 2;
          i++;
          break;
        default: // ]
          i = this.closeBracket(i);
      }
    }
  }

  /** Past the code span starting at `i`, or past the backtick run when it has no closer. */
  private codeSpan(i: number): number {
    const s = this.s;
    let k = i;
    while (k < s.length && s.charCodeAt(k) === 96) {
      k++;
    }
    const length = k - i;
    const runs = (this.backtickRuns ??= backtickRuns(s)).get(length);
    if (runs) {
      let lo = 0;
      let hi = runs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (runs[mid] < k) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (lo < runs.length) {
        return runs[lo] + length;
      }
    }
    return k;
  }

  /** Past a raw HTML construct ending with `close` that starts at `i`, or -1 when it never ends. */
  private htmlUntil(i: number, skip: number, close: string): number {
    const known = this.noClose.get(close);
    if (known >= 0 && i >= known) {
      return -1;
    }
    const end = this.s.indexOf(close, i + skip);
    if (end < 0) {
      this.noClose.set(close, i);
      return -1;
    }
    return end + close.length;
  }

  /** An autolink or raw HTML at `i` (reporting autolinks and `<img src>`); where scanning goes on. */
  private angle(i: number): number {
    const s = this.s;
    const next = s.charCodeAt(i + 1);
    const letter = (next >= 65 && next <= 90) || (next >= 97 && next <= 122);
    if (letter) {
      AUTOLINK.lastIndex = i;
      if (AUTOLINK.test(s)) {
        // Autolinks take no escapes; character references in them are left as written too.
        const end = AUTOLINK.lastIndex;
        const url = s.slice(i + 1, end - 1);
        this.region.report(this.out, i + 1, end - 1, url, true, 'link', url);
        return end;
      }
      const end = openTagEnd(s, i);
      if (end >= 0) {
        reportImgTag(this.region, s, i, end, this.out);
        return end;
      }
    }
    EMAIL_AUTOLINK.lastIndex = i;
    if (EMAIL_AUTOLINK.test(s)) {
      return EMAIL_AUTOLINK.lastIndex; // Not a destination an upload can be.
    }
    let end = -1;
    if (next === 47) {
      CLOSE_TAG.lastIndex = i;
      end = CLOSE_TAG.test(s) ? CLOSE_TAG.lastIndex : -1;
    } else if (s.startsWith('<!--', i)) {
      end = s.startsWith('<!-->', i) ? i + 5 : s.startsWith('<!--->', i) ? i + 6 : this.htmlUntil(i, 4, '-->');
    } else if (next === 63) {
      end = this.htmlUntil(i, 2, '?>');
    } else if (s.startsWith('<![CDATA[', i)) {
      end = this.htmlUntil(i, 9, ']]>');
    } else if (next === 33 && /[A-Za-z]/.test(s.charAt(i + 2))) {
      end = this.htmlUntil(i, 2, '>');
    }
    return end < 0 ? i + 1 : end;
  }

  /** A ']' at `i`: closes a link or image when one can, reporting it; where scanning goes on. */
  private closeBracket(i: number): number {
    const s = this.s;
    if (this.depth === 0) {
      return i + 1;
    }
    const top = this.stack[--this.depth];
    const depth = this.depth;
    const openerPos = top >> 1;
    const image = (top & 1) === 1;
    const active = image || depth >= this.barrier;
    this.barrier = Math.min(this.barrier, depth);
    if (!active) {
      return i + 1;
    }
    const dest = s.charCodeAt(i + 1) === 40 ? this.inlineTail(i + 2) : undefined;
    const end = dest ? dest.next : this.referenceEnd(openerPos, i);
    if (end < 0) {
      return i + 1;
    }
    if (!image) {
      this.barrier = depth;
    }
    if (dest && dest.end > dest.start) {
      // Texts are for people; a huge one (nested brackets run wild) is left out to stay linear.
      const text = i - openerPos - 1 <= MAX_TEXT ? unescapeMarkdown(s.slice(openerPos + 1, i)) : '';
      this.region.report(this.out, dest.start, dest.end, unescapeMarkdown(s.slice(dest.start, dest.end)), dest.angle, image ? 'image' : 'link', text);
    }
    return end;
  }

  /** The rest of an inline link after `](`: destination, optional title, `)`; `next` is past the `)`. */
  private inlineTail(p: number): Destination | undefined {
    const s = this.s;
    p = skipSpace(s, p);
    const dest = parseDestination(s, p, this.destination);
    if (!dest) {
      return undefined;
    }
    let q = skipSpace(s, dest.next);
    if (q > dest.next && isTitleStart(s.charCodeAt(q))) {
      const title = parseTitle(s, q, this.noClose);
      if (title < 0) {
        return undefined;
      }
      q = skipSpace(s, title);
    }
    if (s.charCodeAt(q) !== 41) {
      return undefined;
    }
    dest.next = q + 1;
    return dest;
  }

  /**
   * A reference link or image whose text is [openerPos + 1, i): full `[text][label]`, collapsed
   * `[text][]` or shortcut `[text]`. Where it ends, or -1 when its label is not defined.
   */
  private referenceEnd(openerPos: number, i: number): number {
    if (this.refs.size === 0) {
      return -1;
    }
    const s = this.s;
    let labelStart = openerPos + 1;
    let labelEnd = i;
    let after = i + 1;
    if (s.charCodeAt(i + 1) === 91) {
      const close = this.labelEnd(i + 2);
      if (close >= 0) {
        after = close + 1;
        if (close > i + 2) {
          labelStart = i + 2;
          labelEnd = close;
        }
      }
    }
    return labelEnd - labelStart <= 999 && this.refs.has(normalizeLabel(s.slice(labelStart, labelEnd))) ? after : -1;
  }

  /** The ']' that ends a link label starting at `p` (just after '['), or -1. */
  private labelEnd(p: number): number {
    const s = this.s;
    for (let q = p; q < s.length && q - p <= 999; q++) {
      const c = s.charCodeAt(q);
      if (c === 92) {
        q++;
      } else if (c === 91) {
        return -1;
      } else if (c === 93) {
        return q;
      }
    }
    return -1;
  }
}
