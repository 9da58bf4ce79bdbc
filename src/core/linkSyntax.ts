/**
 * How an upload's link is written in each language people write in: Markdown, HTML, AsciiDoc,
 * reStructuredText, LaTeX, Org, or the bare URL; and `kieUpload.linkTemplate`, a user's own form.
 * Pure: the editor side picks the format for a document's language.
 */
import { markdownLink, stripExtension } from './links';

export type LinkFormat = 'markdown' | 'url' | 'html' | 'asciidoc' | 'restructuredtext' | 'latex' | 'org';

export const LINK_FORMATS: readonly LinkFormat[] = ['markdown', 'url', 'html', 'asciidoc', 'restructuredtext', 'latex', 'org'];

/** The format `auto` means for a language: its own syntax where it has one, else the bare URL. */
const BY_LANGUAGE: Readonly<Record<string, LinkFormat>> = {
  markdown: 'markdown',
  mdx: 'markdown',
  html: 'html',
  asciidoc: 'asciidoc',
  restructuredtext: 'restructuredtext',
  latex: 'latex',
  tex: 'latex',
  org: 'org',
};

export function autoFormat(languageId: string): LinkFormat {
  return BY_LANGUAGE[languageId] ?? 'url';
}

/** What a link is built from. */
export interface LinkedFile {
  readonly fileName: string;
  readonly mimeType: string;
  readonly url: string;
  readonly downloadUrl?: string;
  readonly fileSize?: number;
  readonly expiresAt?: string;
}

const isImage = (file: LinkedFile): boolean => file.mimeType.startsWith('image/');

function attribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A URL with no white space or bracket that would end it early in the lightweight markups. */
function bareUrl(url: string): string {
  return url.replace(/[\s<>[\]{}`|\\^"]/g, (c) => encodeURIComponent(c));
}

function latexText(text: string): string {
  return text.replace(/[\\{}]/g, '').replace(/[#$%&_^~]/g, (c) => (c === '^' || c === '~' ? '' : `\\${c}`));
}

/** The link for one upload in `format`. */
export function formatLink(file: LinkedFile, format: LinkFormat): string {
  const alt = stripExtension(file.fileName);
  const url = bareUrl(file.url);
  switch (format) {
    case 'markdown':
      return markdownLink(file);
    case 'html':
      return isImage(file) ? `<img src="${attribute(file.url)}" alt="${attribute(alt)}">` : `<a href="${attribute(file.url)}">${attribute(file.fileName)}</a>`;
    case 'asciidoc':
      return isImage(file) ? `image::${url}[${alt.replace(/[\]\n]/g, ' ')}]` : `link:${url}[${file.fileName.replace(/[\]\n]/g, ' ')}]`;
    case 'restructuredtext':
      return isImage(file) ? `.. image:: ${url}\n   :alt: ${alt.replace(/\n/g, ' ')}` : `\`${file.fileName.replace(/[`<>\n]/g, ' ')} <${url}>\`__`;
    case 'latex':
      return isImage(file) ? `\\includegraphics{${url.replace(/[%#]/g, '\\$&')}}` : `\\href{${url.replace(/[%#]/g, '\\$&')}}{${latexText(file.fileName)}}`;
    case 'org':
      return `[[${url}][${(isImage(file) ? alt : file.fileName).replace(/[[\]\n]/g, ' ')}]]`;
    default:
      return file.url;
  }
}

/** The variables of `kieUpload.linkTemplate`. */
export const LINK_TEMPLATE_VARIABLES = ['url', 'downloadUrl', 'alt', 'fileName', 'size', 'expiresAt'] as const;

/**
 * What is wrong with a link template, in words, or `undefined` when it is fine: an unknown
 * `${variable}`, an unclosed `${`, or no `${url}`/`${downloadUrl}` at all (a link without its link).
 */
export function linkTemplateProblem(template: string): string | undefined {
  if (/\$\{[^}]*$/.test(template)) {
    return 'it has a "${" that is never closed';
  }
  for (const [, name] of template.matchAll(/\$\{([^}]*)\}/g)) {
    if (!(LINK_TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      return `\${${name}} is not one of ${LINK_TEMPLATE_VARIABLES.map((variable) => `\${${variable}}`).join(', ')}`;
    }
  }
  return /\$\{(url|downloadUrl)\}/.test(template) ? undefined : 'it has neither ${url} nor ${downloadUrl}';
}

/** The link written by a (valid) template; `\n` in the template is a line break. */
export function fillLinkTemplate(template: string, file: LinkedFile): string {
  const values: Record<string, string> = {
    url: file.url,
    downloadUrl: file.downloadUrl ?? file.url,
    alt: stripExtension(file.fileName),
    fileName: file.fileName,
    size: file.fileSize === undefined ? '' : String(file.fileSize),
    expiresAt: file.expiresAt ?? '',
  };
  return template.replace(/\$\{([^}]*)\}/g, (whole, name: string) => values[name] ?? whole).replace(/\\n/g, '\n');
}
