/** What a Markdown link is built from: the upload's name, type and link. */
export interface Linkable {
  fileName: string;
  mimeType: string;
  url: string;
}

/**
 * The one Markdown link builder: images become `![alt](url)`, other files `[name](url)`.
 * Brackets and backslashes in the text are escaped; a URL with spaces, parentheses or angle
 * brackets is wrapped in `<…>` so CommonMark reads it whole.
 */
export function markdownLink(file: Linkable): string {
  const isImage = file.mimeType.startsWith('image/');
  const text = escapeLinkText(isImage ? stripExtension(file.fileName) : file.fileName);
  return `${isImage ? '!' : ''}[${text}](${linkDestination(file.url)})`;
}

export function escapeLinkText(text: string): string {
  return text.replace(/[\\[\]]/g, '\\$&').replace(/[\r\n]+/g, ' ');
}

export function linkDestination(url: string): string {
  return /[\s()<>]/.test(url) ? `<${url.replace(/[<>]/g, (c) => encodeURIComponent(c))}>` : url;
}

export function stripExtension(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}
