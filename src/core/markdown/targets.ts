import * as path from 'node:path';

/*
 * What a destination is, and what to do with one: replace it in place, tell its kind, find the
 * local file it names.
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
