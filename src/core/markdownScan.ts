import * as path from 'node:path';

/**
 * A CommonMark-aware scanner of link and image destinations.
 *
 * It follows the block structure closely enough to know what is code and what is raw HTML
 * (front matter, fenced and indented code, HTML blocks, block quotes, list items) and then
 * reads each paragraph and heading the way CommonMark's inline parser does: left to right,
 * with code spans, autolinks and raw HTML taking their precedence, a bracket stack for link
 * text, and reference definitions collected before any reference is resolved. It reports
 * where each destination is written so it can be replaced in place.
 */

/** One link, image, definition or `<img src>` destination in a Markdown document. */
export interface LinkTarget {
  /**
   * The destination as written (without angle brackets), e.g. "./img/a.png", "https://x/y.png",
   * "data:image/png;base64,...". Backslash escapes and character references (`&amp;`, `&#32;`)
   * are resolved, so this is the value a renderer would use; percent escapes are kept.
   */
  target: string;
  /**
   * Offsets into the document text of exactly the destination characters to replace (inside
   * `<...>` when bracketed: the range excludes the brackets; replacing with a new URL must
   * produce valid Markdown — see `replacementFor`).
   */
  start: number;
  end: number;
  /** True when the destination was written in angle brackets (also for autolinks `<https://x>`). */
  angleBrackets: boolean;
  /** `![..](..)`, `[..](..)` and autolinks, `[ref]: dest "title"` definitions, `<img src="...">` in HTML. */
  kind: 'image' | 'link' | 'definition' | 'html';
  /** Link text / alt text when known (for images and `<img>`: the alt; definitions: the label; autolinks: the URL), else ''. */
  text: string;
}

/** All destinations in `markdown`, in document order. Empty destinations (`[a]()`) are not reported. */
export function scanLinkTargets(markdown: string): LinkTarget[] {
  const regions = parseBlocks(markdown);
  const refs = new Set<string>();
  const out: LinkTarget[] = [];
  // Definitions open paragraphs only: a heading's `[a]: b` is text.
  const inlineFrom = regions.map((region) => (region.paragraph ? parseDefinitions(region, refs, out) : 0));
  regions.forEach((region, index) => {
    if (region.inline) {
      new InlineScanner(region, refs, out).scan(inlineFrom[index]);
    } else {
      scanHtml(region, out);
    }
  });
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The text to put in place of the range [start,end) so that the destination becomes `url`,
 * valid in context: wrapped in `<>` when the url has spaces, parentheses or angle brackets and
 * the original had no brackets; brackets kept (and `<`, `>`, line breaks percent-encoded) if it
 * had; backslashes and `&name;` look-alikes escaped so they survive. Autolinks (an angle-bracket
 * link whose text is its destination) get spaces percent-encoded; `<img src>` values get quotes,
 * spaces and angle brackets percent-encoded so any quoting style stays valid.
 */
export function replacementFor(target: LinkTarget, url: string): string {
  if (target.kind === 'html') {
    return url.replace(/&(?=#?[A-Za-z0-9]+;)/g, '&amp;').replace(/["'`<>\s]/g, percentEncode);
  }
  if (target.kind === 'link' && target.angleBrackets && target.text === target.target) {
    // eslint-disable-next-line no-control-regex -- control characters are what must be encoded
    return url.replace(/[\s<>\x00-\x1f\x7f]/g, percentEncode);
  }
  const escaped = url.replace(/\\/g, '\\\\').replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&');
  // eslint-disable-next-line no-control-regex -- control characters cannot stand bare in a destination
  if (target.angleBrackets || url === '' || /[\s()<>\x00-\x1f\x7f]/.test(url)) {
    const inside = escaped.replace(/[<>\r\n]/g, percentEncode);
    return target.angleBrackets ? inside : `<${inside}>`;
  }
  return escaped;
}

/** Classifies a destination: 'remote' (http/https, or protocol-relative `//host/x`), 'data', 'file-uri', 'relative' (any path), 'other'. */
export function classifyTarget(target: string): 'remote' | 'data' | 'file-uri' | 'relative' | 'other' {
  const t = target.trim();
  if (/^https?:/i.test(t) || t.startsWith('//')) {
    return 'remote';
  }
  if (/^data:/i.test(t)) {
    return 'data';
  }
  if (/^file:/i.test(t)) {
    return 'file-uri';
  }
  if (/^[A-Za-z]:[\\/]/.test(t)) {
    return 'relative'; // A Windows drive path, not a one-letter scheme.
  }
  if (t === '' || t.startsWith('#') || t.startsWith('?') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(t)) {
    return 'other';
  }
  return 'relative';
}

/**
 * For 'relative' and 'file-uri' targets: the filesystem path they name, relative to a document
 * directory (%XX escapes decoded, ?query and #fragment stripped, resolved against `docDir`;
 * absolute `/x` paths resolve against `rootDir` when given — never above it — else are taken as
 * filesystem absolute). Windows paths (`C:\`, `\\server`) in `docDir`, `rootDir` or the target
 * select win32 path rules, otherwise posix. Undefined for other targets.
 */
export function resolveLocalTarget(target: string, docDir: string, rootDir?: string): string | undefined {
  const kind = classifyTarget(target);
  if (kind === 'file-uri') {
    return fileUriToPath(target.trim(), docDir);
  }
  if (kind !== 'relative') {
    return undefined;
  }
  const decoded = percentDecode(target.trim().replace(/#.*$/s, '').replace(/\?.*$/s, ''));
  if (decoded === '') {
    return undefined;
  }
  if (isWindowsAbsolute(decoded)) {
    return path.win32.normalize(decoded);
  }
  const win = isWindowsAbsolute(docDir) || (rootDir !== undefined && isWindowsAbsolute(rootDir));
  const mod = win ? path.win32 : path.posix;
  const rooted = win ? /^[\\/]/.test(decoded) : decoded.startsWith('/');
  if (rooted) {
    if (rootDir) {
      // URL semantics: `/../x` is `/x`, so a root-relative path never leaves the root.
      const inside = path.posix.normalize(win ? decoded.replace(/\\/g, '/') : decoded);
      return mod.join(rootDir, inside);
    }
    return win ? path.win32.resolve(docDir, decoded) : path.posix.normalize(decoded);
  }
  return mod.resolve(docDir, decoded);
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

function percentEncode(c: string): string {
  return Array.from(Buffer.from(c, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      // Not UTF-8 as a whole: decode the ASCII escapes, keep the rest as written.
      return run.replace(/%[0-7][0-9A-Fa-f]/g, (one) => decodeURIComponent(one));
    }
  });
}

function isWindowsAbsolute(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function fileUriToPath(uri: string, docDir: string): string | undefined {
  const match = /^file:(?:\/\/([^/?#]*))?([^?#]*)/i.exec(uri);
  if (!match) {
    return undefined;
  }
  const host = match[1] ?? '';
  const rest = percentDecode(match[2]);
  if (/^\/[A-Za-z]:(?:[\\/]|$)/.test(rest)) {
    return path.win32.normalize(rest.slice(1));
  }
  if (/^[A-Za-z]:(?:[\\/]|$)/.test(rest)) {
    return path.win32.normalize(rest);
  }
  if (host && host.toLowerCase() !== 'localhost') {
    return path.win32.normalize(`\\\\${host}${rest}`);
  }
  if (rest === '') {
    return undefined;
  }
  return rest.startsWith('/') ? path.posix.normalize(rest) : (isWindowsAbsolute(docDir) ? path.win32 : path.posix).resolve(docDir, rest);
}

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
function unescapeMarkdown(text: string): string {
  if (!text.includes('\\') && !text.includes('&')) {
    return text;
  }
  return text.replace(ESCAPE_OR_ENTITY, (whole, escaped: string | undefined, entity: string | undefined) =>
    escaped !== undefined ? escaped : (decodeEntity(entity ?? '') ?? whole),
  );
}

function decodeEntities(text: string): string {
  return text.includes('&') ? text.replace(ENTITY, (whole, entity: string) => decodeEntity(entity) ?? whole) : text;
}

function isAsciiPunctuation(code: number): boolean {
  return (code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126);
}

// ---------------------------------------------------------------------------------------------
// Regions: the text of a paragraph, heading or HTML block with container prefixes removed,
// lines joined by '\n', and a map back to document offsets.

const ONE_LINE: readonly number[] = [0];

class Region {
  /** Document offsets: start and end of each line's part. */
  private readonly lines: number[] = [];
  /** Content offset of each line's part, with the content, built when first asked for. */
  private starts: readonly number[] = ONE_LINE;
  private text: string | undefined;

  constructor(
    private readonly doc: string,
    readonly inline: boolean,
    readonly paragraph: boolean,
  ) {}

  add(start: number, end: number): void {
    this.lines.push(start, end);
    this.text = undefined;
  }

  get content(): string {
    return this.text ?? this.build();
  }

  private build(): string {
    const { doc, lines } = this;
    if (lines.length === 2) {
      this.starts = ONE_LINE;
      return (this.text = doc.slice(lines[0], lines[1]));
    }
    const parts: string[] = [];
    const starts: number[] = [];
    let length = 0;
    for (let k = 0; k < lines.length; k += 2) {
      starts.push(length);
      parts.push(doc.slice(lines[k], lines[k + 1]));
      length += lines[k + 1] - lines[k] + 1;
    }
    this.starts = starts;
    return (this.text = parts.join('\n'));
  }

  /** The document offset of a content offset (exact for any offset that is not a joining '\n'). */
  toDoc(pos: number): number {
    if (this.text === undefined) {
      this.build();
    }
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= pos) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return this.lines[2 * lo] + (pos - starts[lo]);
  }

  /** Adds the destination at content offsets [start, end). */
  report(out: LinkTarget[], start: number, end: number, target: string, angleBrackets: boolean, kind: LinkTarget['kind'], text: string): void {
    const docStart = this.toDoc(start);
    out.push({ target, start: docStart, end: docStart + (end - start), angleBrackets, kind, text });
  }
}

// ---------------------------------------------------------------------------------------------
// Block structure: a container stack (block quotes, list items) and the open leaf block, line
// by line, in the manner of the CommonMark reference parser.

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

const HTML_BLOCK_1 = /^<(?:script|pre|style|textarea)(?:[\s>]|$)/i;
const HTML_BLOCK_1_END = /<\/(?:script|pre|style|textarea)>/i;
const HTML_BLOCK_6 =
  /^<\/?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul)(?:[\s>]|\/>|$)/i;
const ATTRIBUTE = String.raw`(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>\x60]+|'[^']*'|"[^"]*"))?)`;
const HTML_BLOCK_7 = new RegExp(String.raw`^(?:<[A-Za-z][A-Za-z0-9-]*${ATTRIBUTE}*\s*\/?>|<\/[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$`);
const THEMATIC_BREAK = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;

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

/** The paragraphs and headings (inline regions) and HTML blocks (raw regions) of a document; code is left out. */
function parseBlocks(doc: string): Region[] {
  const regions: Region[] = [];
  const stack: Container[] = [];
  let leaf: Leaf = NONE;

  const newRegion = (inline: boolean, start: number, end: number, paragraph = false) => {
    const region = new Region(doc, inline, paragraph);
    region.add(start, end);
    regions.push(region);
    return region;
  };

  // The helpers below return an offset and leave the matching column in `atCol`.
  let atCol = 0;

  /** The first non-blank character from `p` at column `col` (tab stops of 4; `p` may be a partly used tab). */
  const firstNonBlank = (p: number, le: number, col: number): number => {
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
    atCol = col;
    return p;
  };

  /** Moves over blanks up to column `target`, using part of a tab when it straddles it. */
  const advanceTo = (p: number, le: number, col: number, target: number): number => {
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
    atCol = col;
    return p;
  };

  /** Past a `>` at `p` (column `col`) and its optional following space (one column of a tab). */
  const quoteMarker = (p: number, col: number): number => {
    p++;
    col++;
    const c = doc.charCodeAt(p);
    atCol = c === 32 || c === 9 ? col + 1 : col;
    if (c === 32 || (c === 9 && col + 1 === col + 4 - (col % 4))) {
      return p + 1;
    }
    return p;
  };

  const listItem = (markerEnd: number, le: number, interrupting: boolean, mayInterrupt: boolean): BlockStart => {
    const next = doc.charCodeAt(markerEnd);
    if (markerEnd < le && next !== 32 && next !== 9) {
      return NO_BLOCK;
    }
    const empty = firstNonBlank(markerEnd, le, 0) >= le;
    if (interrupting && (empty || !mayInterrupt)) {
      return NO_BLOCK;
    }
    return { t: 'list', markerEnd, empty };
  };

  /**
   * The block a line starts at `p` (its first non-blank). `interrupting`: the line would
   * otherwise continue the open paragraph; `lazy`: it could at least be a lazy continuation of it.
   */
  const detectBlock = (p: number, le: number, interrupting: boolean, lazy: boolean): BlockStart => {
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
        const line = doc.slice(p, le);
        const type = HTML_BLOCK_1.test(line)
          ? 1
          : line.startsWith('<!--')
            ? 2
            : line.startsWith('<?')
              ? 3
              : /^<![A-Za-z]/.test(line)
                ? 4
                : line.startsWith('<![CDATA[')
                  ? 5
                  : HTML_BLOCK_6.test(line)
                    ? 6
                    : !lazy && HTML_BLOCK_7.test(line)
                      ? 7
                      : 0;
        return type ? { t: 'html', type } : NO_BLOCK;
      }
      case 35: {
        // #
        const m = /^#{1,6}(?:[ \t]+|$)/.exec(doc.slice(p, Math.min(le, p + 8)));
        return m ? { t: 'heading', content: p + m[0].length } : NO_BLOCK;
      }
      case 61: // =
        return setext(interrupting) && /^=+[ \t]*$/.test(doc.slice(p, le)) ? { t: 'break' } : NO_BLOCK;
      case 42: // *
      case 43: // +
      case 45: // -
      case 95: {
        // _
        const line = doc.slice(p, le);
        if ((c === 45 && /^-+[ \t]*$/.test(line) && setext(interrupting)) || THEMATIC_BREAK.test(line)) {
          return { t: 'break' }; // A setext underline or a thematic break: either ends the paragraph.
        }
        return c === 95 ? NO_BLOCK : listItem(p + 1, le, interrupting, true);
      }
      default: {
        let k = p;
        while (k < le && k - p < 9 && doc.charCodeAt(k) >= 48 && doc.charCodeAt(k) <= 57) {
          k++;
        }
        const d = doc.charCodeAt(k);
        if (k > p && (d === 46 || d === 41)) {
          // 1. or 1)
          return listItem(k + 1, le, interrupting, /^0*1$/.test(doc.slice(p, k)));
        }
        return NO_BLOCK;
      }
    }
  };

  /** A setext underline needs a paragraph to underline: one that is more than link reference definitions. */
  const setext = (interrupting: boolean): boolean => {
    if (!interrupting || leaf.t !== 'para') {
      return false;
    }
    // Once a paragraph has text it keeps it, so this is worked out at most once or twice per paragraph.
    leaf.hasText ||= parseDefinitions(leaf.region, new Set(), []) < leaf.region.content.length;
    return leaf.hasText;
  };

  /** The open list items hold something now (an item that began blank and holds nothing ends at a blank line). */
  const markContent = () => {
    for (const container of stack) {
      if (container.t === 'item') {
        container.hasContent = true;
      }
    }
  };

  const closeTo = (depth: number) => {
    if (stack.length > depth) {
      stack.length = depth;
      leaf = NONE;
    }
  };

  /** One line, offsets [ls, le) with the line ending excluded. Columns count from the line start. */
  const line = (ls: number, le: number) => {
    let pos = ls;
    let col = 0;
    // 1. Which open containers does the line continue?
    let matched = 0;
    for (; matched < stack.length; matched++) {
      const container = stack[matched];
      const first = firstNonBlank(pos, le, col);
      if (container.t === 'quote') {
        if (first >= le || atCol - col > 3 || doc.charCodeAt(first) !== 62) {
          break;
        }
        pos = quoteMarker(first, atCol);
        col = atCol;
      } else if (first >= le) {
        if (!container.hasContent) {
          break; // An item that began with a blank line ends at the second.
        }
      } else if (atCol >= container.col) {
        pos = advanceTo(pos, le, col, container.col);
        col = atCol;
      } else {
        break;
      }
    }
    const allMatched = matched === stack.length;
    let first = firstNonBlank(pos, le, col);
    let firstCol = atCol;

    // 2. Does the open leaf take the line?
    if (allMatched) {
      switch (leaf.t) {
        case 'fence':
          if (first < le && firstCol - col <= 3 && doc.charCodeAt(first) === leaf.ch) {
            let k = first;
            while (k < le && doc.charCodeAt(k) === leaf.ch) {
              k++;
            }
            if (k - first >= leaf.len && firstNonBlank(k, le, 0) >= le) {
              leaf = NONE;
            }
          }
          return;
        case 'icode':
          if (first >= le || firstCol - col >= 4) {
            return;
          }
          leaf = NONE;
          break;
        case 'html':
          if (leaf.type >= 6 && first >= le) {
            leaf = NONE;
          } else {
            leaf.region?.add(pos, le);
            if (leaf.type <= 5 && htmlBlockEnds(leaf.type, doc.slice(pos, le))) {
              leaf = NONE;
            }
          }
          return;
        case 'para':
          if (first >= le) {
            leaf = NONE;
            return;
          }
          break;
      }
    } else if (leaf.t !== 'para') {
      leaf = NONE; // Code and HTML blocks end with their container; a paragraph may continue lazily.
    }

    // 3. New containers, then the leaf block the line starts, if any.
    let opened = false;
    let start: BlockStart = NO_BLOCK;
    for (;;) {
      first = firstNonBlank(pos, le, col);
      firstCol = atCol;
      if (first >= le || firstCol - col >= 4) {
        break;
      }
      if (doc.charCodeAt(first) === 62) {
        closeTo(matched);
        leaf = NONE;
        markContent();
        stack.push({ t: 'quote' });
        matched = stack.length;
        opened = true;
        pos = quoteMarker(first, firstCol);
        col = atCol;
        continue;
      }
      const block = detectBlock(first, le, !opened && allMatched && leaf.t === 'para', !opened && leaf.t === 'para');
      if (block.t !== 'list') {
        start = block;
        break;
      }
      closeTo(matched);
      leaf = NONE;
      markContent();
      const markerCol = firstCol + (block.markerEnd - first);
      firstNonBlank(block.markerEnd, le, markerCol);
      const afterCol = atCol;
      const contentCol = block.empty || afterCol - markerCol > 4 ? markerCol + 1 : afterCol;
      stack.push({ t: 'item', col: contentCol, hasContent: !block.empty });
      matched = stack.length;
      opened = true;
      pos = advanceTo(block.markerEnd, le, markerCol, contentCol);
      col = atCol;
    }
    const blank = first >= le;
    if (!opened && !allMatched && leaf.t === 'para' && !blank && start.t === 'none') {
      leaf.region.add(first, le); // Lazy continuation line.
      return;
    }
    closeTo(matched);
    if (blank) {
      leaf = NONE;
      return;
    }
    markContent();
    switch (start.t) {
      case 'fence':
        leaf = { t: 'fence', ch: start.ch, len: start.len };
        return;
      case 'html': {
        // Script, style and textarea hold raw text; any other HTML block may show an image (after a comment, say).
        const scanned = start.type !== 1 || /^<pre/i.test(doc.slice(first, first + 4));
        leaf = { t: 'html', type: start.type, region: scanned ? newRegion(false, first, le) : undefined };
        const skip = start.type === 1 ? 0 : start.type === 5 ? 9 : 2;
        if (start.type <= 5 && htmlBlockEnds(start.type, doc.slice(first + skip, le))) {
          leaf = NONE;
        }
        return;
      }
      case 'heading':
        leaf = NONE;
        if (start.content < le) {
          newRegion(true, start.content, le);
        }
        return;
      case 'break':
        leaf = NONE;
        return;
      default:
        if (leaf.t === 'para') {
          leaf.region.add(first, le);
        } else if (firstCol - col >= 4) {
          leaf = { t: 'icode' };
        } else {
          leaf = { t: 'para', region: newRegion(true, first, le, true) };
        }
    }
  };

  let pos = doc.charCodeAt(0) === 0xfeff ? 1 : 0;
  pos = skipFrontMatter(doc, pos);
  for (;;) {
    const nl = doc.indexOf('\n', pos);
    let end = nl < 0 ? doc.length : nl;
    if (end > pos && doc.charCodeAt(end - 1) === 13) {
      end--;
    }
    line(pos, end);
    if (nl < 0) {
      return regions;
    }
    pos = nl + 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Link reference definitions

function normalizeLabel(label: string): string {
  return label.trim().replace(/\s+/g, ' ').toLowerCase().toUpperCase();
}

interface Destination {
  start: number;
  end: number;
  angle: boolean;
  next: number;
}

/** A link destination at `p`: `<...>` or a raw destination with balanced parentheses. */
function parseDestination(s: string, p: number): Destination | undefined {
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
function skipSpace(s: string, p: number): number {
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
function restOfLineBlank(s: string, p: number): number {
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
function parseTitle(s: string, p: number, noClose: Map<number, number>): number {
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

function isTitleStart(c: number): boolean {
  return c === 34 || c === 39 || c === 40;
}

/** Reference definitions at the start of a paragraph: reports them, records their labels, returns where the rest starts. */
function parseDefinitions(region: Region, refs: Set<string>, out: LinkTarget[]): number {
  const s = region.content;
  let noClose: Map<number, number> | undefined;
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
    const dest = parseDestination(s, skipSpace(s, q + 2));
    if (!dest || (!dest.angle && dest.end === dest.start)) {
      return p;
    }
    let end = -1;
    const afterSpace = skipSpace(s, dest.next);
    if (afterSpace > dest.next && isTitleStart(s.charCodeAt(afterSpace))) {
      const title = parseTitle(s, afterSpace, (noClose ??= new Map()));
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

// ---------------------------------------------------------------------------------------------
// Inline structure

// eslint-disable-next-line no-control-regex -- CommonMark: no ASCII controls, spaces or angle brackets
const AUTOLINK = /<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20<>\x7f]*)>/y;
const EMAIL_AUTOLINK = /<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>/y;
const OPEN_TAG = new RegExp(String.raw`<([A-Za-z][A-Za-z0-9-]*)(${ATTRIBUTE}*)\s*\/?>`, 'y');
const CLOSE_TAG = /<\/[A-Za-z][A-Za-z0-9-]*\s*>/y;
const ATTRIBUTES = /\s+([A-Za-z_:][A-Za-z0-9_.:-]*)(?:\s*=\s*(?:([^\s"'=<>`]+)|'([^']*)'|"([^"]*)"))?/y;
/** The characters the inline scanner stops at: \ ` < ! [ ] */
const INLINE_SPECIAL = new Uint8Array(128);
for (const c of '\\`<![]') {
  INLINE_SPECIAL[c.charCodeAt(0)] = 1;
}

/** Reports the `src` of an `<img>` open tag matched by OPEN_TAG at `at`. */
function reportImgTag(region: Region, match: RegExpExecArray, at: number, out: LinkTarget[]): void {
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
function scanHtml(region: Region, out: LinkTarget[]): void {
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

/** Link texts longer than this are reported as ''. */
const MAX_TEXT = 4096;
/** Parentheses nest at most this deep in a raw destination (as in the reference implementations). */
const MAX_PAREN_DEPTH = 32;

class InlineScanner {
  private readonly s: string;
  /** Open brackets: the offset of each '[' times two, plus one for an image's `![`. */
  private readonly stack: number[] = [];
  /** Link openers below this stack index are inactive (a link was closed after them: links do not nest). */
  private barrier = 0;
  private noClose: Map<number, number> | undefined;
  private noHtmlEnd: Map<string, number> | undefined;
  private backtickRuns: Map<number, number[]> | undefined;

  constructor(
    private readonly region: Region,
    private readonly refs: Set<string>,
    private readonly out: LinkTarget[],
  ) {
    this.s = region.content;
  }

  scan(from: number): void {
    const s = this.s;
    const n = s.length;
    let i = from;
    for (;;) {
      let c = 0;
      while (i < n && ((c = s.charCodeAt(i)) >= 128 || !INLINE_SPECIAL[c])) {
        i++;
      }
      if (i >= n) {
        return;
      }
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
            this.stack.push((i + 1) * 2 + 1);
            i += 2;
          } else {
            i++;
          }
          break;
        case 91: // [
          this.stack.push(i * 2);
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
    if (!this.backtickRuns) {
      this.backtickRuns = new Map();
      for (const m of s.matchAll(/`+/g)) {
        const list = this.backtickRuns.get(m[0].length);
        if (list) {
          list.push(m.index);
        } else {
          this.backtickRuns.set(m[0].length, [m.index]);
        }
      }
    }
    const runs = this.backtickRuns.get(length);
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
    const known = this.noHtmlEnd?.get(close);
    if (known !== undefined && i >= known) {
      return -1;
    }
    const end = this.s.indexOf(close, i + skip);
    if (end < 0) {
      (this.noHtmlEnd ??= new Map()).set(close, i);
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
      const auto = AUTOLINK.exec(s);
      if (auto) {
        // Autolinks take no escapes; character references in them are left as written too.
        this.region.report(this.out, i + 1, i + 1 + auto[1].length, auto[1], true, 'link', auto[1]);
        return AUTOLINK.lastIndex;
      }
      OPEN_TAG.lastIndex = i;
      const tag = OPEN_TAG.exec(s);
      if (tag) {
        reportImgTag(this.region, tag, i, this.out);
        return i + tag[0].length;
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
    const stack = this.stack;
    const top = stack.pop();
    if (top === undefined) {
      return i + 1;
    }
    const opener = { pos: Math.floor(top / 2), image: top % 2 === 1 };
    const active = opener.image || stack.length >= this.barrier;
    this.barrier = Math.min(this.barrier, stack.length);
    if (!active) {
      return i + 1;
    }
    let end = -1;
    let dest: Destination | undefined;
    if (s.charCodeAt(i + 1) === 40) {
      const inline = this.inlineTail(i + 2);
      if (inline) {
        [dest, end] = inline;
      }
    }
    if (end < 0) {
      // A reference: full `[text][label]`, collapsed `[text][]` or shortcut `[text]`.
      let label = s.slice(opener.pos + 1, i);
      let after = i + 1;
      if (s.charCodeAt(i + 1) === 91) {
        const close = this.labelEnd(i + 2);
        if (close >= 0) {
          after = close + 1;
          if (close > i + 2) {
            label = s.slice(i + 2, close);
          }
        }
      }
      if (this.refs.size > 0 && label.length <= 999 && this.refs.has(normalizeLabel(label))) {
        end = after;
      }
    }
    if (end < 0) {
      return i + 1;
    }
    if (!opener.image) {
      this.barrier = stack.length;
    }
    if (dest && dest.end > dest.start) {
      // Texts are for people; a huge one (nested brackets run wild) is left out to stay linear.
      const text = i - opener.pos - 1 <= MAX_TEXT ? unescapeMarkdown(s.slice(opener.pos + 1, i)) : '';
      this.region.report(this.out, dest.start, dest.end, unescapeMarkdown(s.slice(dest.start, dest.end)), dest.angle, opener.image ? 'image' : 'link', text);
    }
    return end;
  }

  /** The rest of an inline link after `](`: destination, optional title, `)`. */
  private inlineTail(p: number): [Destination, number] | undefined {
    const s = this.s;
    p = skipSpace(s, p);
    const dest = parseDestination(s, p);
    if (!dest) {
      return undefined;
    }
    let q = skipSpace(s, dest.next);
    if (q > dest.next && isTitleStart(s.charCodeAt(q))) {
      const title = parseTitle(s, q, (this.noClose ??= new Map()));
      if (title < 0) {
        return undefined;
      }
      q = skipSpace(s, title);
    }
    return s.charCodeAt(q) === 41 ? [dest, q + 1] : undefined;
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
