/**
 * `kieUpload.fileNameTemplate` and `kieUpload.uploadPathTemplate`: names and folders built from the
 * file, the date and time, its content hash, random letters and the workspace folder. Pure: the
 * caller supplies what a template needs (the hash only when it asks for one).
 */

import { randomLetters } from './naming';

export type NameTemplateKind = 'fileName' | 'uploadPath';

const SIMPLE = new Set(['fileName', 'baseName', 'ext', 'date', 'time', 'workspaceFolder']);
const DATE_TOKENS = /YYYY|MM|DD|HH|mm|ss/g;

/** What a filled template is built from. */
export interface NameContext {
  /** The file's own (sanitised) name, e.g. `photo.final.png`. */
  readonly fileName: string;
  readonly now: Date;
  /** The content's SHA-256 in hex, when the template asks for `${hash:N}`. */
  readonly sha256?: string;
  /** The name of the workspace folder the file is in ('' when none). */
  readonly workspaceFolder: string;
  readonly random: (size: number) => Uint8Array;
}

/** The variables a template uses, e.g. `hash:8`, `date:YYYY-MM`. */
function variables(template: string): string[] {
  return [...template.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]);
}

/** Whether the template names a file by its content (so the content must be hashed first). */
export function usesHash(template: string | undefined): boolean {
  return Boolean(template && variables(template).some((name) => /^hash(:|$)/.test(name)));
}

/**
 * What is wrong with a template, in words, or `undefined` when it is fine: an unknown variable, a
 * length out of range, a date format without a date token, an unclosed `${`, a file name that
 * could hold a `/` or `\`, a folder that could climb out with `..`.
 */
export function nameTemplateProblem(template: string, kind: NameTemplateKind): string | undefined {
  if (/\$\{[^}]*$/.test(template)) {
    return 'it has a "${" that is never closed';
  }
  for (const name of variables(template)) {
    const [head, argument] = name.split(/:(.*)/s);
    if (SIMPLE.has(name)) {
      continue;
    }
    if (head === 'hash' || head === 'random') {
      const size = Number(argument);
      const max = head === 'hash' ? 64 : 32;
      if (!/^\d+$/.test(argument ?? '') || size < 1 || size > max) {
        return `\${${name}} needs a length from 1 to ${max}, as in \${${head}:8}`;
      }
      continue;
    }
    if (head === 'date' && argument !== undefined) {
      if (!argument.match(DATE_TOKENS) || /[/\\]/.test(argument) && kind === 'fileName') {
        return `\${${name}} needs a format made of YYYY, MM, DD, HH, mm and ss, as in \${date:YYYY-MM-DD}`;
      }
      continue;
    }
    return `\${${name}} is not one of \${fileName}, \${baseName}, \${ext}, \${date}, \${date:YYYY-MM-DD}, \${time}, \${hash:N}, \${random:N}, \${workspaceFolder}`;
  }
  const literal = template.replace(/\$\{[^}]*\}/g, 'x');
  if (kind === 'fileName' && /[/\\]/.test(literal)) {
    return 'a file name cannot contain "/" or "\\" (put folders in kieUpload.uploadPathTemplate)';
  }
  if (kind === 'uploadPath' && (literal.split('/').includes('..') || literal.startsWith('/'))) {
    return 'an upload path must be relative, without ".."';
  }
  if (!literal.trim()) {
    return 'it makes an empty name';
  }
  return undefined;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function formatDate(date: Date, format: string): string {
  const parts: Record<string, string> = {
    YYYY: String(date.getFullYear()),
    MM: pad(date.getMonth() + 1),
    DD: pad(date.getDate()),
    HH: pad(date.getHours()),
    mm: pad(date.getMinutes()),
    ss: pad(date.getSeconds()),
  };
  return format.replace(DATE_TOKENS, (token) => parts[token]);
}

/** A value that cannot change the shape of what it lands in: no separators, nothing to climb with. */
function safePart(value: string): string {
  return value.replace(/[/\\]/g, '-').replace(/^\.+$/, '-');
}

/** The template filled in (a valid one; see {@link nameTemplateProblem}). */
export function fillNameTemplate(template: string, context: NameContext): string {
  const dot = context.fileName.lastIndexOf('.');
  const baseName = dot > 0 ? context.fileName.slice(0, dot) : context.fileName;
  const ext = dot > 0 ? context.fileName.slice(dot + 1) : '';
  return template.replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
    const [head, argument] = name.split(/:(.*)/s);
    switch (head) {
      case 'fileName':
        return safePart(context.fileName);
      case 'baseName':
        return safePart(baseName);
      case 'ext':
        return safePart(ext);
      case 'date':
        return formatDate(context.now, argument ?? 'YYYY-MM-DD');
      case 'time':
        return formatDate(context.now, 'HHmmss');
      case 'hash':
        return (context.sha256 ?? '').slice(0, Number(argument));
      case 'random':
        return randomLetters(Number(argument), context.random);
      default:
        return safePart(context.workspaceFolder);
    }
  });
}
