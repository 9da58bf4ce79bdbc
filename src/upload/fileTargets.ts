import * as vscode from 'vscode';
import { UploadError } from '../core/errors';
import { mapConcurrent } from '../core/pool';
import type { UploadOptions, UploadOutcome } from '../core/types';
import type { UploadFlow, UploadJob } from './uploadFlow';
import { offerReuse, type AskReuse } from './reuseLinks';
import type { UploadService } from './uploadService';

export interface UploadCommandDeps {
  uploads: UploadService;
  flow: UploadFlow;
  /** Stands in for the Reuse Link question (the integration tests). */
  askReuse?: AskReuse;
}

/** Files to upload, found from what the user selected (files and folders). */
export interface FileTargets {
  files: Array<{ uri: vscode.Uri; size: number }>;
  folders: vscode.Uri[];
  /** Selections that give nothing to upload (an empty folder), reported as outcomes. */
  problems: UploadOutcome[];
}

/**
 * Reads the Explorer's calling convention `(uri, uris)`: the clicked item and the whole selection.
 * Also accepts a single Uri, an array of Uris, or absolute paths. Undefined when no target was given.
 */
export function urisFromArguments(uri: unknown, uris: unknown): vscode.Uri[] | undefined {
  const list = Array.isArray(uris) && uris.length > 0 ? uris : Array.isArray(uri) ? uri : uri === undefined || uri === null ? [] : [uri];
  if (list.length === 0) {
    return undefined;
  }
  return list.map(toUri);
}

function toUri(value: unknown): vscode.Uri {
  if (value instanceof vscode.Uri) {
    return value;
  }
  if (typeof value === 'string' && value.trim()) {
    return /^[a-zA-Z][\w+.-]+:/.test(value) && !/^[a-zA-Z]:[\\/]/.test(value) ? vscode.Uri.parse(value, true) : vscode.Uri.file(value);
  }
  throw new TypeError(vscode.l10n.t('Expected a file URI or path, got {0}.', JSON.stringify(value) ?? String(value)));
}

/** Expands folders into their files (honouring `files.exclude`) and sizes every file for the progress total. */
export async function collectFiles(uris: readonly vscode.Uri[]): Promise<FileTargets> {
  const targets: FileTargets = { files: [], folders: [], problems: [] };
  const seen = new Set<string>();
  const add = (uri: vscode.Uri, size: number) => {
    if (!seen.has(uri.toString())) {
      seen.add(uri.toString());
      targets.files.push({ uri, size });
    }
  };
  for (const uri of uris) {
    const stat = await statOrUndefined(uri);
    if (!stat || !(stat.type & vscode.FileType.Directory)) {
      // Missing files still become uploads, which then fail with a clear "not found".
      add(uri, stat?.size ?? 0);
      continue;
    }
    targets.folders.push(uri);
    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(uri, '**/*'));
    found.sort((a, b) => a.path.localeCompare(b.path));
    if (found.length === 0) {
      targets.problems.push({ source: uri.toString(), error: { code: 'invalid-input', message: vscode.l10n.t('The folder {0} has no files to upload.', basename(uri)) } });
    }
    // Sized many at a time: a folder of thousands of files is ready in a moment, not one stat each.
    const stats = await mapConcurrent(found, 32, statOrUndefined);
    found.forEach((file, index) => add(file, stats[index]?.size ?? 0));
  }
  return targets;
}

/** One job per file; `names` are the names the templates gave each file, worked out for the batch. */
export function uploadJobs(uploads: UploadService, targets: FileTargets, options: UploadOptions = {}, names?: readonly UploadOptions[]): UploadJob[] {
  return targets.files.map(({ uri, size }, index) => {
    const named = { ...options, ...names?.[index] };
    return {
      label: basename(uri),
      size,
      start: (controls) => uploads.uploadFile(uri, named, controls),
      startAnyway: (controls) => uploads.uploadFile(uri, { ...named, allowSensitive: true }, controls),
    };
  });
}

export function basename(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || uri.toString();
}

async function statOrUndefined(uri: vscode.Uri): Promise<vscode.FileStat | undefined> {
  try {
    return await vscode.workspace.fs.stat(uri);
  } catch {
    return undefined;
  }
}

/** Uploads what was collected as one batch; selections with nothing to upload are reported too. */
export async function uploadTargets(deps: UploadCommandDeps, targets: FileTargets, interactive: boolean): Promise<UploadOutcome[]> {
  for (const problem of targets.problems) {
    void vscode.window.showWarningMessage(problem.error?.message ?? '');
  }
  if (targets.files.length === 0) {
    return targets.problems;
  }
  // A single file a person picked is asked about when it looks like it holds a secret; files of a
  // folder or a selection of many are skipped and named instead.
  const confirmSensitive = interactive && targets.folders.length === 0 && targets.files.length === 1;
  // A person is offered the live links of bytes uploaded before; automation asks with reuseLiveLink.
  const reuse = interactive ? await offerReuse(deps.uploads, targets.files, deps.askReuse) : new Map<string, never>();
  if (!reuse) {
    return [];
  }
  // The templates' names for the whole batch, before its first byte: two files named alike stop it.
  const names = await deps.uploads.batchNames(targets.files.map((file) => file.uri));
  if (names instanceof UploadError) {
    void vscode.window.showErrorMessage(names.message);
    return [...targets.files.map((file) => ({ source: file.uri.toString(), error: { code: names.code, message: names.message } })), ...targets.problems];
  }
  const jobs = uploadJobs(deps.uploads, targets, {}, names).map((job, index) => {
    const source = targets.files[index].uri.toString();
    const record = reuse.get(source);
    return record ? { ...job, start: async () => ({ source, record }) } : job;
  });
  const outcomes = await deps.flow.run(jobs, { interactive, confirmSensitive });
  return [...outcomes, ...targets.problems];
}
