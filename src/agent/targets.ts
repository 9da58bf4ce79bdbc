import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatBytes, validateRemoteUrl } from '../core/validation';
import { loadEngine } from '../upload/engineLoader';

/**
 * Files and URLs named by a language model, checked before anything is published. A model's input
 * is untrusted: a path may point outside the workspace (directly, through `..` or a symbolic link),
 * at a secret, at a folder or at nothing. Every check here runs before the user is asked to confirm,
 * and again before the upload; nothing in the input can lift one.
 */

/** At most this many files or URLs per call: a confirmation must stay readable. */
export const MAX_ITEMS_PER_CALL = 20;
/** The largest file the service recommends (URL uploads: up to 100 MB, see API.md); agents publish no more. */
export const MAX_AGENT_FILE_BYTES = 100 * 1024 * 1024;

/** A workspace file that passed every check: what will be published. */
export interface FileTarget {
  /** As the model wrote it. */
  input: string;
  /** The real file (symbolic links resolved), which is what is uploaded. */
  uri: vscode.Uri;
  /** Workspace-relative path of the real file, for the user and the model. */
  label: string;
  /** The name the upload gets. */
  name: string;
  size: number;
}

export interface Refusal {
  input: string;
  reason: string;
}

export interface Plan<T> {
  targets: T[];
  refusals: Refusal[];
}

/** Reads the `paths` or `urls` array of a tool input; anything else is refused in words. */
export function readList(input: unknown, key: 'paths' | 'urls'): { items: string[]; problem?: string } {
  const value = input && typeof input === 'object' ? (input as Record<string, unknown>)[key] : undefined;
  const raw = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const items = raw.filter((item): item is string => typeof item === 'string').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) {
    return { items, problem: vscode.l10n.t('The "{0}" list is empty: name at least one.', key) };
  }
  if (items.length > MAX_ITEMS_PER_CALL) {
    return { items, problem: vscode.l10n.t('{0} items were given; at most {1} can be published in one call.', items.length, MAX_ITEMS_PER_CALL) };
  }
  return { items: [...new Set(items)] };
}

/** Resolves and checks every path; the plan holds only files that may be published. */
export async function planFiles(inputs: readonly string[], sensitiveGlobs: readonly string[]): Promise<Plan<FileTarget>> {
  const folders = await workspaceRoots();
  const plan: Plan<FileTarget> = { targets: [], refusals: [] };
  const seen = new Set<string>();
  for (const input of inputs) {
    const checked = await checkFile(input, folders, sensitiveGlobs);
    if ('reason' in checked) {
      plan.refusals.push(checked);
    } else if (!seen.has(checked.uri.fsPath)) {
      seen.add(checked.uri.fsPath);
      plan.targets.push(checked);
    }
  }
  return plan;
}

/** Checks every URL the service would be asked to fetch. */
export function planUrls(inputs: readonly string[]): Plan<string> {
  const plan: Plan<string> = { targets: [], refusals: [] };
  for (const input of inputs) {
    try {
      const url = validateRemoteUrl(input);
      if (!plan.targets.includes(url)) {
        plan.targets.push(url);
      }
    } catch (error) {
      plan.refusals.push({ input, reason: (error as Error).message });
    }
  }
  return plan;
}

interface Root {
  folder: vscode.WorkspaceFolder;
  /** The folder's real path on disk. */
  real: string;
}

async function workspaceRoots(): Promise<Root[]> {
  const roots: Root[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') {
      continue;
    }
    try {
      roots.push({ folder, real: await fs.realpath(folder.uri.fsPath) });
    } catch {
      // A folder that is gone holds nothing to publish.
    }
  }
  return roots;
}

async function checkFile(input: string, roots: readonly Root[], sensitiveGlobs: readonly string[]): Promise<FileTarget | Refusal> {
  const refuse = (reason: string): Refusal => ({ input, reason });
  if (roots.length === 0) {
    return refuse(vscode.l10n.t('No workspace folder on this machine\'s disk is open; only files inside the workspace can be published.'));
  }
  const candidates = candidatePaths(input, roots);
  if (candidates === undefined) {
    return refuse(vscode.l10n.t('Only workspace-relative paths, absolute paths and file: URIs inside the workspace are accepted.'));
  }
  let real: string | undefined;
  let requested = candidates[0];
  for (const candidate of candidates) {
    real = await fs.realpath(candidate).catch(() => undefined);
    if (real) {
      requested = candidate;
      break;
    }
  }
  if (!real) {
    return refuse(
      insideAny(requested, roots.map((root) => root.folder.uri.fsPath)) || insideAny(requested, roots.map((root) => root.real))
        ? vscode.l10n.t('No such file in the workspace.')
        : vscode.l10n.t('It is outside the workspace; only files inside the open workspace folders can be published.'),
    );
  }
  const root = roots.find((candidate) => isInside(real, candidate.real));
  if (!root) {
    return refuse(vscode.l10n.t('It is outside the workspace (symbolic links are followed); only files inside the open workspace folders can be published.'));
  }
  const stats = await fs.stat(real).catch(() => undefined);
  if (!stats) {
    return refuse(vscode.l10n.t('No such file in the workspace.'));
  }
  if (stats.isDirectory()) {
    return refuse(vscode.l10n.t('It is a folder; name the files in it one by one.'));
  }
  if (!stats.isFile()) {
    return refuse(vscode.l10n.t('It is not a regular file.'));
  }
  if (stats.size === 0) {
    return refuse(vscode.l10n.t('It is empty (0 bytes): there is nothing to publish.'));
  }
  if (stats.size > MAX_AGENT_FILE_BYTES) {
    return refuse(vscode.l10n.t('It is {0}; files of more than {1} are not published from chat.', formatBytes(stats.size), formatBytes(MAX_AGENT_FILE_BYTES)));
  }
  const name = path.basename(real);
  const engine = await loadEngine();
  // The requested name counts too: a link called `.env` says what it points at.
  const finding = (await engine.inspectFile(real, sensitiveGlobs)) ?? engine.sensitiveByName(requested, sensitiveGlobs);
  if (finding) {
    return refuse(vscode.l10n.t('{0} It is never published from chat; the user can upload it from the Explorer if it is really meant to be public.', engine.describeSensitive(path.basename(requested), finding)));
  }
  const relative = path.relative(root.real, real).split(path.sep).join('/');
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  return { input, uri: vscode.Uri.file(real), label: multiRoot ? `${root.folder.name}/${relative}` : relative, name, size: stats.size };
}

/**
 * The absolute paths an input may mean: an absolute path or file: URI as it is; a relative path
 * under each workspace folder, or under the folder it names first (`web/src/a.png` in a workspace
 * with a folder called `web`). Undefined for URIs of other schemes.
 */
function candidatePaths(input: string, roots: readonly Root[]): string[] | undefined {
  if (/^[a-zA-Z][\w+.-]+:/.test(input) && !/^[a-zA-Z]:[\\/]/.test(input)) {
    let uri: vscode.Uri;
    try {
      uri = vscode.Uri.parse(input, true);
    } catch {
      return undefined;
    }
    return uri.scheme === 'file' ? [path.resolve(uri.fsPath)] : undefined;
  }
  if (path.isAbsolute(input)) {
    return [path.resolve(input)];
  }
  const relative = input.replace(/\\/g, '/');
  const candidates = roots.map((root) => path.resolve(root.folder.uri.fsPath, relative));
  const [first, ...rest] = relative.split('/');
  const named = roots.find((root) => root.folder.name === first);
  if (named && rest.length > 0) {
    candidates.push(path.resolve(named.folder.uri.fsPath, rest.join('/')));
  }
  return candidates;
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function insideAny(file: string, folders: readonly string[]): boolean {
  return folders.some((folder) => isInside(file, folder));
}
