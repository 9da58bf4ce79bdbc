/** What a Markdown link is built from: the upload's name, type and link. */
export interface Linkable {
  fileName: string;
  mimeType: string;
  url: string;
}

/**
 * The one Markdown link builder: images become `![alt](url)`, other files `[name](url)`.
 * The text is escaped to show as written (see `escapeLinkText`); a URL with spaces, parentheses or angle
 * brackets is wrapped in `<…>` so CommonMark reads it whole.
 */
export function markdownLink(file: Linkable): string {
  const isImage = file.mimeType.startsWith('image/');
  const text = escapeLinkText(isImage ? stripExtension(file.fileName) : file.fileName);
  return `${isImage ? '!' : ''}[${text}](${linkDestination(file.url)})`;
}

/**
 * Link text that shows exactly `text`: line breaks become a space; backslashes and brackets are
 * escaped so the link stays whole; backticks, `*`, `~`, `|`, `<` and `>` so a name cannot open
 * a code span, emphasis, strikethrough, a table cell, raw HTML or an autolink; `_` unless inside
 * a word (`my_file` stays, `__init__` does not turn bold); `&` where it would start a character
 * reference (`AT&amp;T`).
 */
export function escapeLinkText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\[\]`*~|<>]|&(?=#?[A-Za-z0-9]+;)|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\$&');
}

export function linkDestination(url: string): string {
  return /[\s()<>]/.test(url) ? `<${url.replace(/[<>]/g, (c) => encodeURIComponent(c))}>` : url;
}

export function stripExtension(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}
