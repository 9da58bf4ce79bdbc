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
  const inlineFrom = regions.map((region) => (region.inline ? parseDefinitions(region, refs, out) : 0));
  regions.forEach((region, index) => {
    if (region.inline) {
      new InlineScanner(region, refs, out).scan(inlineFrom[index]);
    } else {
      scanHtml(region, 0, region.content.length, out);
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
    return url.replace(/&(?=#?[A-Za-z0-9]+;)/g, '&amp;').replace(/[\s<>\x00-\x1f\x7f]/g, percentEncode);
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

class Region {
  private readonly parts: string[] = [];
  private readonly docStarts: number[] = [];
  private readonly contentStarts: number[] = [];
  private length = 0;
  private joined: string | undefined;

  constructor(readonly inline: boolean) {}

  add(doc: string, start: number, end: number): void {
    if (this.parts.length) {
      this.length += 1;
    }
    this.parts.push(doc.slice(start, end));
    this.docStarts.push(start);
    this.contentStarts.push(this.length);
    this.length += end - start;
    this.joined = undefined;
  }

  get content(): string {
    return (this.joined ??= this.parts.join('\n'));
  }

  /** The document offset of a content offset (which must not be a joining '\n' for exactness). */
  toDoc(pos: number): number {
    const starts = this.contentStarts;
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
    return this.docStarts[lo] + (pos - starts[lo]);
  }

  report(out: LinkTarget[], start: number, end: number, fields: Omit<LinkTarget, 'start' | 'end'>): void {
    const docStart = this.toDoc(start);
    out.push({ ...fields, start: docStart, end: docStart + (end - start) });
  }
}

// ---------------------------------------------------------------------------------------------
// Block structure

/**
 * The open leaf block. `q` is its block quote depth; `list` the content column of the list item
 * it is in (undefined outside lists): a non-blank line indented less leaves the item.
 */
type Leaf =
  | { t: 'none' }
  | { t: 'para'; region: Region; q: number; list: number | undefined }
  | { t: 'fence'; ch: number; len: number; q: number; list: number | undefined }
  | { t: 'icode'; q: number; list: number | undefined }
  | { t: 'html'; type: number; region: Region | undefined; q: number; list: number | undefined };

type BlockStart =
  | { t: 'fence'; ch: number; len: number }
  | { t: 'html'; type: number }
  | { t: 'heading'; content: number }
  | { t: 'break' }
  | { t: 'list'; markerEnd: number; empty: boolean }
  | { t: 'none' };

const NONE: Leaf = { t: 'none' };

const HTML_BLOCK_1 = /^<(?:script|pre|style|textarea)(?:[\s>]|$)/i;
const HTML_BLOCK_1_END = /<\/(?:script|pre|style|textarea)>/i;
const HTML_BLOCK_6 =
  /^<\/?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul)(?:[\s>]|\/>|$)/i;
const ATTRIBUTE = String.raw`(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>\x60]+|'[^']*'|"[^"]*"))?)`;
const HTML_BLOCK_7 = new RegExp(String.raw`^(?:<[A-Za-z][A-Za-z0-9-]*${ATTRIBUTE}*\s*\/?>|<\/[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$`);
const THEMATIC_BREAK = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;

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
  const open = /^---[ \t]*\r?(?:\n|$)/y;
  open.lastIndex = pos;
  if (!open.test(doc)) {
    return pos;
  }
  const close = /^(?:---|\.\.\.)[ \t]*\r?(?:\n|$)/gm;
  close.lastIndex = open.lastIndex;
  const match = close.exec(doc);
  return match ? match.index + match[0].length : pos;
}

function parseBlocks(doc: string): Region[] {
  const regions: Region[] = [];
  let leaf: Leaf = NONE;
  let lists: number[] = [];
  let listsQ = 0;

  const closeLeaf = () => {
    leaf = NONE;
  };
  const newRegion = (inline: boolean) => {
    const region = new Region(inline);
    regions.push(region);
    return region;
  };

  /**
   * Block quote markers (at most `max`) at the start of a line: their count, where the rest
   * starts, its column, and the column the quoted content starts at (a tab after `>` gives
   * one column to the marker's optional space and the rest to indentation).
   */
  const stripQuotes = (p: number, le: number, max: number): [q: number, p: number, col: number, baseCol: number] => {
    let q = 0;
    let col = 0;
    let baseCol = 0;
    while (q < max) {
      let k = p;
      while (k < le && k - p < 3 && doc.charCodeAt(k) === 32) {
        k++;
      }
      if (k >= le || doc.charCodeAt(k) !== 62) {
        break;
      }
      q++;
      col += k - p + 1;
      p = k + 1;
      const c = doc.charCodeAt(p);
      if (c === 9) {
        p++;
        baseCol = col + 1;
        col += 4 - (col % 4);
        continue;
      }
      if (c === 32) {
        p++;
        col++;
      }
      baseCol = col;
    }
    return [q, p, col, baseCol];
  };

  /** Column of the first non-blank character from `p` (columns counted from `col`), and its offset. */
  const indentOf = (p: number, le: number, col: number): [number, number] => {
    while (p < le) {
      const c = doc.charCodeAt(p);
      if (c === 32) {
        col++;
      } else if (c === 9) {
        col += 4 - (col % 4);
      } else {
        break;
      }
      p++;
    }
    return [col, p];
  };

  const detectBlock = (p: number, le: number, interrupting: boolean): BlockStart => {
    const c = doc.charCodeAt(p);
    switch (c) {
      case 96: // `
      case 126: {
        // ~
        let k = p;
        while (k < le && doc.charCodeAt(k) === c) {
          k++;
        }
        if (k - p >= 3 && (c === 126 || !doc.slice(k, le).includes('`'))) {
          return { t: 'fence', ch: c, len: k - p };
        }
        return { t: 'none' };
      }
      case 60: {
        // <
        const line = doc.slice(p, le);
        if (HTML_BLOCK_1.test(line)) {
          return { t: 'html', type: 1 };
        }
        if (line.startsWith('<!--')) {
          return { t: 'html', type: 2 };
        }
        if (line.startsWith('<?')) {
          return { t: 'html', type: 3 };
        }
        if (/^<![A-Za-z]/.test(line)) {
          return { t: 'html', type: 4 };
        }
        if (line.startsWith('<![CDATA[')) {
          return { t: 'html', type: 5 };
        }
        if (HTML_BLOCK_6.test(line)) {
          return { t: 'html', type: 6 };
        }
        if (!interrupting && HTML_BLOCK_7.test(line) && !/^<\/?(?:script|style|pre|textarea)\b/i.test(line)) {
          return { t: 'html', type: 7 };
        }
        return { t: 'none' };
      }
      case 35: {
        // #
        const m = /^#{1,6}(?:[ \t]+|$)/.exec(doc.slice(p, Math.min(le, p + 8)));
        return m ? { t: 'heading', content: p + m[0].length } : { t: 'none' };
      }
      case 61: // =
        return interrupting && /^=+[ \t]*$/.test(doc.slice(p, le)) ? { t: 'break' } : { t: 'none' };
      case 42: // *
      case 45: // -
      case 95: // _
      case 43: {
        // +
        const line = doc.slice(p, le);
        if ((c === 45 && interrupting && /^-+[ \t]*$/.test(line)) || THEMATIC_BREAK.test(line)) {
          return { t: 'break' };
        }
        if (c === 95) {
          return { t: 'none' };
        }
        return listItem(p + 1, le, interrupting, true);
      }
      default: {
        if (c >= 48 && c <= 57) {
          let k = p;
          while (k < le && k - p < 9 && doc.charCodeAt(k) >= 48 && doc.charCodeAt(k) <= 57) {
            k++;
          }
          const d = doc.charCodeAt(k);
          if (d === 46 || d === 41) {
            // . )
            return listItem(k + 1, le, interrupting, doc.slice(p, k).replace(/^0+/, '') === '1');
          }
        }
        return { t: 'none' };
      }
    }
  };

  const listItem = (markerEnd: number, le: number, interrupting: boolean, mayInterrupt: boolean): BlockStart => {
    const next = doc.charCodeAt(markerEnd);
    if (markerEnd < le && next !== 32 && next !== 9) {
      return { t: 'none' };
    }
    const empty = indentOf(markerEnd, le, 0)[1] >= le;
    if (interrupting && (empty || !mayInterrupt)) {
      return { t: 'none' };
    }
    return { t: 'list', markerEnd, empty };
  };

  /** The block structure of one line (offsets [ls, le), line ending excluded). Columns count from the line start. */
  const line = (ls: number, le: number) => {
    // Lines inside code and HTML blocks first: they only end their block or belong to it.
    if (leaf.t === 'fence' || leaf.t === 'icode' || leaf.t === 'html') {
      const [q, p, startCol, baseCol] = stripQuotes(ls, le, leaf.q);
      const [col, first] = indentOf(p, le, startCol);
      const blank = first >= le;
      const indent = col - (leaf.list ?? baseCol);
      const leftContainer = q < leaf.q || (!blank && indent < 0);
      if (leaf.t === 'fence') {
        if (!leftContainer) {
          if (!blank && indent <= 3 && doc.charCodeAt(first) === leaf.ch) {
            let k = first;
            while (k < le && doc.charCodeAt(k) === leaf.ch) {
              k++;
            }
            if (k - first >= leaf.len && indentOf(k, le, 0)[1] >= le) {
              closeLeaf();
            }
          }
          return;
        }
      } else if (leaf.t === 'icode') {
        if (blank || (!leftContainer && indent >= 4)) {
          return;
        }
      } else if (!leftContainer) {
        if (leaf.type >= 6) {
          if (blank) {
            closeLeaf();
          } else {
            leaf.region?.add(doc, p, le);
          }
          return;
        }
        leaf.region?.add(doc, p, le);
        if (htmlBlockEnds(leaf.type, doc.slice(p, le))) {
          closeLeaf();
        }
        return;
      }
      closeLeaf();
    }

    const [q, p, startCol, baseCol] = stripQuotes(ls, le, Infinity);
    const [firstCol, first] = indentOf(p, le, startCol);
    if (first >= le) {
      closeLeaf();
      return;
    }
    if (leaf.t === 'para' && (q < leaf.q || (leaf.list !== undefined && firstCol < leaf.list))) {
      // Lazy continuation: a line that starts no block continues the open paragraph.
      let base = baseCol;
      if (q === listsQ) {
        for (let i = lists.length - 1; i >= 0; i--) {
          if (lists[i] <= firstCol) {
            base = lists[i];
            break;
          }
        }
      }
      if (firstCol - base >= 4 || detectBlock(first, le, false).t === 'none') {
        leaf.region.add(doc, first, le);
        return;
      }
    }
    if (leaf.t === 'para' && q !== leaf.q) {
      closeLeaf();
    }
    if (q !== listsQ) {
      lists = [];
      listsQ = q;
    }
    let cur = first;
    let col = firstCol;
    for (;;) {
      while (lists.length && lists[lists.length - 1] > col) {
        lists.pop();
      }
      const list = lists.length ? lists[lists.length - 1] : undefined;
      const para = leaf.t === 'para' ? leaf : undefined;
      if (col - (list ?? baseCol) >= 4) {
        if (para) {
          para.region.add(doc, cur, le);
        } else {
          leaf = { t: 'icode', q, list };
        }
        return;
      }
      const block = detectBlock(cur, le, para !== undefined && (para.list === undefined || col >= para.list));
      switch (block.t) {
        case 'fence':
          leaf = { t: 'fence', ch: block.ch, len: block.len, q, list };
          return;
        case 'html': {
          const scan = block.type >= 6 || (block.type === 1 && /^<pre/i.test(doc.slice(cur, cur + 4)));
          const region = scan ? newRegion(false) : undefined;
          region?.add(doc, cur, le);
          leaf = { t: 'html', type: block.type, region, q, list };
          if (block.type <= 5 && htmlBlockEnds(block.type, doc.slice(cur + 2, le))) {
            closeLeaf();
          }
          return;
        }
        case 'heading':
          closeLeaf();
          if (block.content < le) {
            newRegion(true).add(doc, block.content, le);
          }
          return;
        case 'break':
          closeLeaf();
          return;
        case 'list': {
          closeLeaf();
          const markerCol = col + (block.markerEnd - cur);
          const [afterCol, afterPos] = indentOf(block.markerEnd, le, markerCol);
          lists.push(block.empty || afterCol - markerCol > 4 ? markerCol + 1 : afterCol);
          if (block.empty) {
            return;
          }
          cur = afterPos;
          col = afterCol;
          continue;
        }
        default:
          if (para) {
            para.region.add(doc, cur, le);
          } else {
            const region = newRegion(true);
            region.add(doc, cur, le);
            leaf = { t: 'para', region, q, list };
          }
          return;
      }
    }
  };

  let pos = doc.charCodeAt(0) === 0xfeff ? 1 : 0;
  pos = skipFrontMatter(doc, pos);
  while (pos <= doc.length) {
    const nl = doc.indexOf('\n', pos);
    let end = nl < 0 ? doc.length : nl;
    if (end > pos && doc.charCodeAt(end - 1) === 13) {
      end--;
    }
    line(pos, end);
    if (nl < 0) {
      break;
    }
    pos = nl + 1;
  }
  return regions;
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
      depth++;
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
  const noClose = new Map<number, number>();
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
      region.report(out, dest.start, dest.end, {
        target: unescapeMarkdown(s.slice(dest.start, dest.end)),
        angleBrackets: dest.angle,
        kind: 'definition',
        text: unescapeMarkdown(label),
      });
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
const INLINE_SPECIAL = /[\\`<![\]]/g;

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
    region.report(out, start, start + trimmed.length, { target: decodeEntities(trimmed), angleBrackets: false, kind: 'html', text: alt });
  }
}

/** `<img src>` in raw HTML (an HTML block), skipping comments. */
function scanHtml(region: Region, from: number, to: number, out: LinkTarget[]): void {
  const s = region.content;
  for (let i = s.indexOf('<', from); i >= 0 && i < to; i = s.indexOf('<', i + 1)) {
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

interface Opener {
  /** Offset of the '['. */
  pos: number;
  image: boolean;
}

class InlineScanner {
  private readonly s: string;
  private readonly stack: Opener[] = [];
  /** Link openers below this stack index are inactive (a link was closed after them: links do not nest). */
  private barrier = 0;
  private readonly noClose = new Map<number, number>();
  private readonly noHtmlEnd = new Map<string, number>();
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
    const special = new RegExp(INLINE_SPECIAL.source, 'g');
    let i = from;
    while (i < s.length) {
      special.lastIndex = i;
      const found = special.exec(s);
      if (!found) {
        return;
      }
      i = found.index;
      switch (s.charCodeAt(i)) {
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
            this.stack.push({ pos: i + 1, image: true });
            i += 2;
          } else {
            i++;
          }
          break;
        case 91: // [
          this.stack.push({ pos: i, image: false });
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
    const known = this.noHtmlEnd.get(close);
    if (known !== undefined && i >= known) {
      return -1;
    }
    const end = this.s.indexOf(close, i + skip);
    if (end < 0) {
      this.noHtmlEnd.set(close, i);
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
        const target = decodeEntities(auto[1]);
        this.region.report(this.out, i + 1, i + 1 + auto[1].length, { target, angleBrackets: true, kind: 'link', text: target });
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
    const opener = stack.pop();
    if (!opener) {
      return i + 1;
    }
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
      if (label.length <= 999 && this.refs.has(normalizeLabel(label))) {
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
      this.region.report(this.out, dest.start, dest.end, {
        target: unescapeMarkdown(s.slice(dest.start, dest.end)),
        angleBrackets: dest.angle,
        kind: opener.image ? 'image' : 'link',
        text: unescapeMarkdown(s.slice(opener.pos + 1, i)),
      });
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
      const title = parseTitle(s, q, this.noClose);
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
