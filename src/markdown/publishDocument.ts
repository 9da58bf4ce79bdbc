import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { classifyTarget, replacementFor, resolveLocalTarget, scanLinkTargets, type LinkTarget } from '../core/markdownScan';
import type { ErrorCode, UploadOutcome } from '../core/types';
import { formatBytes } from '../core/validation';
import type { KieConfig } from '../platform/config';
import type { UploadFlow, UploadJob } from '../upload/uploadFlow';
import type { UploadService } from '../upload/uploadService';
import { loadEngine } from '../upload/engineLoader';

export interface PublishDeps {
  uploads: UploadService;
  flow: UploadFlow;
  getConfig: () => KieConfig;
  /** Asks before anything is sent (interactive only); the default is a modal. Tests replace it. */
  confirm?: (shown: PublishConfirmation) => Thenable<boolean>;
}

/** What one upload in the document stands for: a local file or a data: URI, and where it is used. */
interface Source {
  key: string;
  label: string;
  /** How the confirmation names it: the path from the workspace folder, or the data: URI's name. */
  shownAs: string;
  job: UploadJob;
  targets: LinkTarget[];
}

/** A linked file that is not published: its link stays as it is. */
export interface SkippedTarget {
  /** The link's target as written in the document. */
  target: string;
  /** Why, as a sentence the user reads. */
  reason: string;
  outcome: UploadOutcome;
}

/** What the confirmation shows: the files that would be published and those that will not be. */
export interface PublishConfirmation {
  message: string;
  detail: string;
  files: ReadonlyArray<{ name: string; size: number }>;
  totalBytes: number;
  skipped: readonly SkippedTarget[];
}

const MAX_LISTED = 15;

/**
 * Publishes the local files and `data:` URIs a Markdown document links to, and replaces each target
 * with its hosted link in one workspace edit. A file used twice is uploaded once. Only files inside
 * the document's workspace folder (or, outside a workspace, the document's own folder) are
 * candidates, judged by where they really are (symlinks resolved), and never files that look like
 * they hold secrets: the others are skipped, their links left as written. Interactively it asks
 * before the first byte is sent (listing the files, their sizes and what is skipped) and shows the
 * edit as a preview; otherwise it applies the edit directly. Resolves with the outcomes, those of
 * skipped files with an error.
 */
export class DocumentPublisher {
  constructor(private readonly deps: PublishDeps) {}

  async publish(document: vscode.TextDocument, interactive: boolean): Promise<UploadOutcome[]> {
    const version = document.version;
    const { sources, skipped } = await this.findSources(document);
    const name = path.basename(document.fileName);
    if (sources.length === 0) {
      if (skipped.length > 0) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Nothing in {0} was uploaded. {1}', name, describeSkipped(skipped)));
      } else {
        void vscode.window.showInformationMessage(vscode.l10n.t('{0} links to no local files or data: URIs.', name));
      }
      return skipped.map((entry) => entry.outcome);
    }
    if (interactive) {
      const confirm = this.deps.confirm ?? showPublishConfirmation;
      if (!(await confirm(confirmation(name, sources, skipped)))) {
        return [];
      }
    } else if (skipped.length > 0) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Some links in {0} were left as they are. {1}', name, describeSkipped(skipped)));
    }
    const outcomes = await this.deps.flow.run(sources.map((source) => source.job), { interactive });
    const all = [...outcomes, ...skipped.map((entry) => entry.outcome)];
    if (document.version !== version) {
      void vscode.window.showWarningMessage(vscode.l10n.t('{0} changed during the upload; its links were not replaced. The uploads are in Recent Uploads.', name));
      return all;
    }
    const edit = new vscode.WorkspaceEdit();
    const metadata: vscode.WorkspaceEditEntryMetadata = {
      needsConfirmation: interactive,
      label: vscode.l10n.t('Replace with the hosted link'),
    };
    sources.forEach((source, index) => {
      const record = outcomes[index].record;
      if (!record) {
        return;
      }
      for (const target of source.targets) {
        const range = new vscode.Range(document.positionAt(target.start), document.positionAt(target.end));
        edit.replace(document.uri, range, replacementFor(target, record.url), { ...metadata, description: source.label });
      }
    });
    if (edit.size > 0) {
      await vscode.workspace.applyEdit(edit);
    }
    return all;
  }

  private async findSources(document: vscode.TextDocument): Promise<{ sources: Source[]; skipped: SkippedTarget[] }> {
    const docDir = path.dirname(document.uri.fsPath);
    const root = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath;
    // The boundary: the workspace folder, else the document's folder, as it really is on disk.
    const boundary = (await realpathIfExists(root ?? docDir)) ?? root ?? docDir;
    const sources = new Map<string, Source>();
    const skipped = new Map<string, SkippedTarget>();
    // Loaded on demand: the MIME tables and the guard are not needed until something is uploaded.
    const { mimeExtension, inspectFile, sensitiveByContent, sensitiveByName, describeSensitive } = await loadEngine();
    const globs = this.deps.getConfig().sensitiveFiles;
    const skip = (key: string, target: string, source: string, code: ErrorCode, reason: string) => {
      if (!skipped.has(key)) {
        skipped.set(key, { target, reason, outcome: { source, error: { code, message: reason } } });
      }
    };
    for (const target of scanLinkTargets(document.getText())) {
      const kind = classifyTarget(target.target);
      if (kind === 'data') {
        const parsed = parseDataUri(target.target);
        if (parsed) {
          const key = `data:${target.target}`;
          const label = `image-${sources.size + 1}.${mimeExtension(parsed.mimeType)}`;
          const found = sources.has(key) ? undefined : sensitiveByContent(parsed.bytes);
          if (found) {
            skip(key, shorten(target.target), 'data', 'sensitive', describeSensitive(vscode.l10n.t('A data: URI'), found));
            continue;
          }
          addTarget(sources, key, target, () => ({
            label,
            shownAs: label,
            size: parsed.bytes.byteLength,
            start: (controls) => this.deps.uploads.uploadData(parsed.bytes, label, { method: 'base64' }, controls),
          }));
        }
        continue;
      }
      if ((kind !== 'relative' && kind !== 'file-uri') || document.uri.scheme !== 'file') {
        continue;
      }
      const file = resolveLocalTarget(target.target, docDir, root);
      if (!file || (target.kind === 'link' && /\.(md|markdown)$/i.test(file))) {
        // Links between Markdown documents are cross-references, not attachments.
        continue;
      }
      // A symlink is judged by where it points.
      const real = await realpathIfExists(file);
      if (!real) {
        continue; // Missing: not a file to publish.
      }
      const key = `file:${real}`;
      const known = sources.get(key);
      if (known) {
        known.targets.push(target);
        continue;
      }
      // Each link that is skipped is listed as written (a symlink and the file it points to: both).
      const skipKey = `link:${target.target}`;
      if (skipped.has(skipKey)) {
        continue;
      }
      const source = vscode.Uri.file(real).toString();
      if (!isInside(real, boundary)) {
        const reason = root
          ? vscode.l10n.t('{0} is outside the workspace folder.', target.target)
          : vscode.l10n.t("{0} is outside the document's folder.", target.target);
        skip(skipKey, target.target, source, 'invalid-input', reason);
        continue;
      }
      const stat = await statFile(vscode.Uri.file(real));
      if (!stat) {
        continue;
      }
      const found = sensitiveByName(file, globs) ?? (await inspectFile(real, globs));
      if (found) {
        skip(skipKey, target.target, source, 'sensitive', describeSensitive(target.target, found));
        continue;
      }
      const realUri = vscode.Uri.file(real);
      addTarget(sources, key, target, () => ({
        label: path.basename(file),
        shownAs: path.relative(boundary, real).split(path.sep).join('/'),
        size: stat.size,
        start: (controls) => this.deps.uploads.uploadFile(realUri, {}, controls),
      }));
    }
    return { sources: [...sources.values()], skipped: [...skipped.values()] };
  }
}

/** The modal that asks before publishing: the files, their sizes and total, and what is skipped. */
export async function showPublishConfirmation(shown: PublishConfirmation): Promise<boolean> {
  const upload = vscode.l10n.t('Upload');
  return (await vscode.window.showWarningMessage(shown.message, { modal: true, detail: shown.detail }, upload)) === upload;
}

function confirmation(documentName: string, sources: readonly Source[], skipped: readonly SkippedTarget[]): PublishConfirmation {
  const files = sources.map((source) => ({ name: source.shownAs, size: source.job.size }));
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  const lines = files.slice(0, MAX_LISTED).map((file) => `${file.name} (${formatBytes(file.size)})`);
  if (files.length > MAX_LISTED) {
    lines.push(vscode.l10n.t('…and {0} more', files.length - MAX_LISTED));
  }
  lines.push(
    files.length === 1
      ? vscode.l10n.t('Total: 1 file, {0}', formatBytes(totalBytes))
      : vscode.l10n.t('Total: {0} files, {1}', files.length, formatBytes(totalBytes)),
  );
  if (skipped.length > 0) {
    lines.push('', vscode.l10n.t('Not uploaded (the links stay as they are):'));
    lines.push(...skipped.slice(0, MAX_LISTED).map((entry) => entry.reason));
    if (skipped.length > MAX_LISTED) {
      lines.push(vscode.l10n.t('…and {0} more', skipped.length - MAX_LISTED));
    }
  }
  const message =
    files.length === 1
      ? vscode.l10n.t('Upload 1 file linked from {0}? Its link will be public.', documentName)
      : vscode.l10n.t('Upload {0} files linked from {1}? Their links will be public.', files.length, documentName);
  return { message, detail: lines.join('\n'), files, totalBytes, skipped };
}

function describeSkipped(skipped: readonly SkippedTarget[]): string {
  const reasons = skipped.slice(0, 5).map((entry) => entry.reason);
  if (skipped.length > 5) {
    reasons.push(vscode.l10n.t('…and {0} more.', skipped.length - 5));
  }
  return reasons.join(' ');
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** Whether `file` is `folder` or inside it (both real paths). */
function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

async function realpathIfExists(file: string): Promise<string | undefined> {
  try {
    return await realpath(file);
  } catch {
    return undefined;
  }
}

function addTarget(sources: Map<string, Source>, key: string, target: LinkTarget, makeJob: () => UploadJob & { shownAs: string }): void {
  const existing = sources.get(key);
  if (existing) {
    existing.targets.push(target);
    return;
  }
  const { shownAs, ...job } = makeJob();
  sources.set(key, { key, label: job.label, shownAs, job, targets: [target] });
}

async function statFile(uri: vscode.Uri): Promise<vscode.FileStat | undefined> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    return stat.type & vscode.FileType.File ? stat : undefined;
  } catch {
    return undefined;
  }
}

/** The bytes and type of a base64 `data:` URI; undefined for other encodings or bad data. */
export function parseDataUri(uri: string): { mimeType: string; bytes: Uint8Array } | undefined {
  const match = /^data:([\w.+-]+\/[\w.+-]+)?((?:;[\w-]+=[^;,]*)*);base64,([A-Za-z0-9+/=\s]+)$/i.exec(uri.trim());
  if (!match) {
    return undefined;
  }
  const bytes = Buffer.from(match[3].replace(/\s+/g, ''), 'base64');
  return bytes.byteLength > 0 ? { mimeType: (match[1] ?? 'application/octet-stream').toLowerCase(), bytes } : undefined;
}
