import { parseDefinitions } from './definitions';
import { ATTRIBUTE } from './html';
import { Region } from './region';

/*
 * Block structure: a container stack (block quotes, list items) and the open leaf block, line by
 * line, in the manner of the CommonMark reference parser. What comes out are the regions whose
 * text can hold destinations: paragraphs and headings (read inline) and HTML blocks (read as
 * HTML). Code and front matter are left out.
 */

type Container = { t: 'quote' } | { t: 'item'; col: number; hasContent: boolean };

type Leaf =
  | { t: 'none' }
  | { t: 'para'; region: Region; hasText?: boolean }
  | { t: 'fence'; ch: number; len: number }
  | { t: 'icode' }
  | { t: 'html'; type: number; region: Region | undefined };

type BlockStart =
  | { t: 'fence'; ch: number; len: number }
  | { t: 'html'; type: number }
  | { t: 'heading'; content: number }
  | { t: 'break' }
  | { t: 'list'; markerEnd: number; empty: boolean }
  | { t: 'none' };

const NONE: Leaf = { t: 'none' };
const NO_BLOCK: BlockStart = { t: 'none' };
const BREAK: BlockStart = { t: 'break' };

const HTML_BLOCK_1 = /^<(?:script|pre|style|textarea)(?:[\s>]|$)/i;
const HTML_BLOCK_1_END = /<\/(?:script|pre|style|textarea)>/i;
const HTML_BLOCK_6 =
  /^<\/?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul)(?:[\s>]|\/>|$)/i;
const HTML_BLOCK_7 = new RegExp(String.raw`^(?:<[A-Za-z][A-Za-z0-9-]*${ATTRIBUTE}*\s*\/?>|<\/[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$`);

/** The paragraphs and headings (inline regions) and HTML blocks (raw regions) of a document, in document order. */
export function parseBlocks(doc: string): Region[] {
  return new BlockParser(doc).parse();
}

/** The HTML block type (1–7) a line starting at its first non-blank begins, or 0; type 7 only when `lazy` is false. */
function htmlBlockType(line: string, lazy: boolean): number {
  if (HTML_BLOCK_1.test(line)) {
    return 1;
  }
  if (line.startsWith('<!--')) {
    return 2;
  }
  if (line.startsWith('<?')) {
    return 3;
  }
  if (/^<![A-Za-z]/.test(line)) {
    return 4;
  }
  if (line.startsWith('<![CDATA[')) {
    return 5;
  }
  if (HTML_BLOCK_6.test(line)) {
    return 6;
  }
  return !lazy && HTML_BLOCK_7.test(line) ? 7 : 0;
}

/** Whether an HTML block of type 1–5 ends on this line (types 6 and 7 end at a blank line). */
function htmlBlockEnds(type: number, line: string): boolean {
  switch (type) {
    case 1:
      return HTML_BLOCK_1_END.test(line);
    case 2:
      return line.includes('-->');
    case 3:
      return line.includes('?>');
    case 4:
      return line.includes('>');
    default:
      return line.includes(']]>');
  }
}

/** Front matter: `---` on the first line up to the next `---` or `...` line. Returns where the body starts. */
function skipFrontMatter(doc: string, pos: number): number {
  const open = /---[ \t]*\r?(?:\n|$)/y;
  open.lastIndex = pos;
  if (!open.test(doc)) {
    return pos;
  }
  const close = /^(?:---|\.\.\.)[ \t]*\r?(?:\n|$)/gm;
  close.lastIndex = open.lastIndex;
  const match = close.exec(doc);
  return match ? match.index + match[0].length : pos;
}

class BlockParser {
  private readonly regions: Region[] = [];
  /** The open containers: the first `depth` of `stack` (the array is reused, not shrunk). */
  private readonly stack: Container[] = [];
  private depth = 0;
  private leaf: Leaf = NONE;
  /** Where the last of firstNonBlank, advanceTo and quoteMarker stopped: the column of the offset it returned. */
  private atCol = 0;
  /** The line being read: how far its container markers were taken (offset and column). */
  private pos = 0;
  private col = 0;

  constructor(private readonly doc: string) {}

  parse(): Region[] {
    const doc = this.doc;
    let pos = skipFrontMatter(doc, doc.charCodeAt(0) === 0xfeff ? 1 : 0);
    for (;;) {
      const nl = doc.indexOf('\n', pos);
      let end = nl < 0 ? doc.length : nl;
      if (end > pos && doc.charCodeAt(end - 1) === 13) {
        end--;
      }
      this.line(pos, end);
      if (nl < 0) {
        return this.regions;
      }
      pos = nl + 1;
    }
  }

  /** One line, offsets [ls, le) with the line ending excluded. Columns count from the line start. */
  private line(ls: number, le: number): void {
    this.pos = ls;
    this.col = 0;
    const matched = this.continueContainers(le);
    const allMatched = matched === this.depth;
    if (allMatched) {
      if (this.leafTakes(le)) {
        return;
      }
    } else if (this.leaf.t !== 'para') {
      this.leaf = NONE; // Code and HTML blocks end with their container; a paragraph may continue lazily.
    }
    this.newBlocks(le, matched, allMatched);
  }

  /** 1. Which open containers the line continues: their markers taken, how many. */
  private continueContainers(le: number): number {
    const { doc, stack } = this;
    let matched = 0;
    for (; matched < this.depth; matched++) {
      const container = stack[matched];
      const first = this.firstNonBlank(this.pos, le, this.col);
      if (container.t === 'quote') {
        if (first >= le || this.atCol - this.col > 3 || doc.charCodeAt(first) !== 62) {
          break;
        }
        this.pos = this.quoteMarker(first, this.atCol);
        this.col = this.atCol;
      } else if (first >= le) {
        if (!container.hasContent) {
          break; // An item that began with a blank line ends at the second.
        }
      } else if (this.atCol >= container.col) {
        this.pos = this.advanceTo(this.pos, le, this.col, container.col);
        this.col = this.atCol;
      } else {
        break;
      }
    }
    return matched;
  }

  /** 2. Whether the open leaf block takes the whole line (all containers continued). */
  private leafTakes(le: number): boolean {
    const { doc, leaf, pos, col } = this;
    const first = this.firstNonBlank(pos, le, col);
    const firstCol = this.atCol;
    switch (leaf.t) {
      case 'fence':
        if (first < le && firstCol - col <= 3 && doc.charCodeAt(first) === leaf.ch) {
          let k = first;
          while (k < le && doc.charCodeAt(k) === leaf.ch) {
            k++;
          }
          if (k - first >= leaf.len && this.firstNonBlank(k, le, 0) >= le) {
            this.leaf = NONE;
          }
        }
        return true;
      case 'icode':
        if (first >= le || firstCol - col >= 4) {
          return true;
        }
        this.leaf = NONE;
        return false;
      case 'html':
        if (leaf.type >= 6 && first >= le) {
          this.leaf = NONE;
        } else {
          leaf.region?.add(pos, le);
          if (leaf.type <= 5 && htmlBlockEnds(leaf.type, doc.slice(pos, le))) {
            this.leaf = NONE;
          }
        }
        return true;
      case 'para':
        if (first >= le) {
          this.leaf = NONE;
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  /** 3. New containers, then the leaf block the line starts, if any. */
  private newBlocks(le: number, matched: number, allMatched: boolean): void {
    const doc = this.doc;
    let opened = false;
    let start: BlockStart = NO_BLOCK;
    let first: number;
    let firstCol: number;
    for (;;) {
      first = this.firstNonBlank(this.pos, le, this.col);
      firstCol = this.atCol;
      if (first >= le || firstCol - this.col >= 4) {
        break;
      }
      if (doc.charCodeAt(first) === 62) {
        matched = this.openContainer({ t: 'quote' }, matched);
        opened = true;
        this.pos = this.quoteMarker(first, firstCol);
        this.col = this.atCol;
        continue;
      }
      const block = this.detectBlock(first, le, !opened && allMatched && this.leaf.t === 'para', !opened && this.leaf.t === 'para');
      if (block.t !== 'list') {
        start = block;
        break;
      }
      const markerCol = firstCol + (block.markerEnd - first);
      this.firstNonBlank(block.markerEnd, le, markerCol);
      const contentCol = block.empty || this.atCol - markerCol > 4 ? markerCol + 1 : this.atCol;
      matched = this.openContainer({ t: 'item', col: contentCol, hasContent: !block.empty }, matched);
      opened = true;
      this.pos = this.advanceTo(block.markerEnd, le, markerCol, contentCol);
      this.col = this.atCol;
    }
    const blank = first >= le;
    if (!opened && !allMatched && this.leaf.t === 'para' && !blank && start.t === 'none') {
      this.leaf.region.add(first, le); // Lazy continuation line.
      return;
    }
    this.closeTo(matched);
    if (blank) {
      this.leaf = NONE;
      return;
    }
    this.markContent();
    this.startLeaf(start, first, firstCol, le);
  }

  /** Closes the containers the line did not continue and opens `container` inside the rest; the new depth. */
  private openContainer(container: Container, matched: number): number {
    this.closeTo(matched);
    this.leaf = NONE;
    this.markContent();
    this.stack[this.depth++] = container;
    return this.depth;
  }

  /** The leaf block a line starts at `first` (column `firstCol`), or the paragraph it continues. */
  private startLeaf(start: BlockStart, first: number, firstCol: number, le: number): void {
    const doc = this.doc;
    switch (start.t) {
      case 'fence':
        this.leaf = { t: 'fence', ch: start.ch, len: start.len };
        return;
      case 'html': {
        // Script, style and textarea hold raw text; any other HTML block may show an image (after a comment, say).
        const scanned = start.type !== 1 || /^<pre/i.test(doc.slice(first, first + 4));
        this.leaf = { t: 'html', type: start.type, region: scanned ? this.newRegion(false, first, le) : undefined };
        const skip = start.type === 1 ? 0 : start.type === 5 ? 9 : 2;
        if (start.type <= 5 && htmlBlockEnds(start.type, doc.slice(first + skip, le))) {
          this.leaf = NONE;
        }
        return;
      }
      case 'heading':
        this.leaf = NONE;
        if (start.content < le) {
          this.newRegion(true, start.content, le);
        }
        return;
      case 'break':
        this.leaf = NONE;
        return;
      default:
        if (this.leaf.t === 'para') {
          this.leaf.region.add(first, le);
        } else if (firstCol - this.col >= 4) {
          this.leaf = { t: 'icode' };
        } else {
          this.leaf = { t: 'para', region: this.newRegion(true, first, le, true) };
        }
    }
  }

  /**
   * The block a line starts at `p` (its first non-blank). `interrupting`: the line would
   * otherwise continue the open paragraph; `lazy`: it could at least be a lazy continuation of it.
   */
  private detectBlock(p: number, le: number, interrupting: boolean, lazy: boolean): BlockStart {
    const doc = this.doc;
    const c = doc.charCodeAt(p);
    switch (c) {
      case 96: // `
      case 126: {
        // ~
        let k = p;
        while (k < le && doc.charCodeAt(k) === c) {
          k++;
        }
        return k - p >= 3 && (c === 126 || !doc.slice(k, le).includes('`')) ? { t: 'fence', ch: c, len: k - p } : NO_BLOCK;
      }
      case 60: {
        // <
        const type = htmlBlockType(doc.slice(p, le), lazy);
        return type ? { t: 'html', type } : NO_BLOCK;
      }
      case 35: {
        // #
        const m = /^#{1,6}(?:[ \t]+|$)/.exec(doc.slice(p, Math.min(le, p + 8)));
        return m ? { t: 'heading', content: p + m[0].length } : NO_BLOCK;
      }
      case 61: // =
        return this.setext(interrupting) && /^=+[ \t]*$/.test(doc.slice(p, le)) ? BREAK : NO_BLOCK;
      case 42: // *
      case 43: // +
      case 45: // -
      case 95: // _
        if (this.isBreak(p, le, c, interrupting)) {
          return BREAK; // A setext underline or a thematic break: either ends the paragraph.
        }
        return c === 95 ? NO_BLOCK : this.listItem(p + 1, le, interrupting, true);
      default:
        return this.orderedListItem(p, le, interrupting);
    }
  }

  /**
   * Whether the line from `p` (a `*`, `+`, `-` or `_`) is a thematic break (three or more of the
   * marker, blanks between them allowed) or a `---` setext underline of the open paragraph.
   */
  private isBreak(p: number, le: number, marker: number, interrupting: boolean): boolean {
    const doc = this.doc;
    let markers = 0;
    let gap = false;
    let blank = false;
    for (let k = p; k < le; k++) {
      const c = doc.charCodeAt(k);
      if (c === marker) {
        markers++;
        gap ||= blank;
      } else if (c === 32 || c === 9) {
        blank = true;
      } else {
        return false;
      }
    }
    return (marker !== 43 && markers >= 3) || (marker === 45 && !gap && this.setext(interrupting));
  }

  /** `1.` or `1)` at `p`: a list item, if it may start here. */
  private orderedListItem(p: number, le: number, interrupting: boolean): BlockStart {
    const doc = this.doc;
    let k = p;
    while (k < le && k - p < 9 && doc.charCodeAt(k) >= 48 && doc.charCodeAt(k) <= 57) {
      k++;
    }
    const d = doc.charCodeAt(k);
    if (k > p && (d === 46 || d === 41)) {
      return this.listItem(k + 1, le, interrupting, /^0*1$/.test(doc.slice(p, k)));
    }
    return NO_BLOCK;
  }

  private listItem(markerEnd: number, le: number, interrupting: boolean, mayInterrupt: boolean): BlockStart {
    const next = this.doc.charCodeAt(markerEnd);
    if (markerEnd < le && next !== 32 && next !== 9) {
      return NO_BLOCK;
    }
    const empty = this.firstNonBlank(markerEnd, le, 0) >= le;
    if (interrupting && (empty || !mayInterrupt)) {
      return NO_BLOCK;
    }
    return { t: 'list', markerEnd, empty };
  }

  /** A setext underline needs a paragraph to underline: one that is more than link reference definitions. */
  private setext(interrupting: boolean): boolean {
    const leaf = this.leaf;
    if (!interrupting || leaf.t !== 'para') {
      return false;
    }
    // Once a paragraph has text it keeps it, so this is worked out at most once or twice per paragraph.
    leaf.hasText ||= parseDefinitions(leaf.region, new Set(), []) < leaf.region.content.length;
    return leaf.hasText;
  }

  /** The open list items hold something now (an item that began blank and holds nothing ends at a blank line). */
  private markContent(): void {
    for (let k = 0; k < this.depth; k++) {
      const container = this.stack[k];
      if (container.t === 'item') {
        container.hasContent = true;
      }
    }
  }

  private closeTo(depth: number): void {
    if (this.depth > depth) {
      this.depth = depth;
      this.leaf = NONE;
    }
  }

  private newRegion(inline: boolean, start: number, end: number, paragraph = false): Region {
    const region = new Region(this.doc, inline, paragraph, start, end);
    this.regions[this.regions.length] = region; // Not push(): see Region.report.
    return region;
  }

  /** The first non-blank character from `p` at column `col` (tab stops of 4; `p` may be a partly used tab). */
  private firstNonBlank(p: number, le: number, col: number): number {
    const doc = this.doc;
    for (; p < le; p++) {
      const c = doc.charCodeAt(p);
      if (c === 32) {
        col++;
      } else if (c === 9) {
        col += 4 - (col % 4);
      } else {
        break;
      }
    }
    this.atCol = col;
    return p;
  }

  /** Moves over blanks up to column `target`, using part of a tab when it straddles it. */
  private advanceTo(p: number, le: number, col: number, target: number): number {
    const doc = this.doc;
    while (col < target && p < le) {
      const c = doc.charCodeAt(p);
      if (c === 32) {
        col++;
        p++;
      } else if (c === 9) {
        const stop = col + 4 - (col % 4);
        if (stop <= target) {
          col = stop;
          p++;
        } else {
          col = target;
        }
      } else {
        break;
      }
    }
    this.atCol = col;
    return p;
  }

  /** Past a `>` at `p` (column `col`) and its optional following space (one column of a tab). */
  private quoteMarker(p: number, col: number): number {
    p++;
    col++;
    const c = this.doc.charCodeAt(p);
    this.atCol = c === 32 || c === 9 ? col + 1 : col;
    if (c === 32 || (c === 9 && col + 1 === col + 4 - (col % 4))) {
      return p + 1;
    }
    return p;
  }
}
