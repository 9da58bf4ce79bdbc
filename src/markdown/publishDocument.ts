import * as path from 'node:path';
import * as vscode from 'vscode';
import { classifyTarget, replacementFor, resolveLocalTarget, scanLinkTargets, type LinkTarget } from '../core/markdownScan';
import type { UploadOutcome } from '../core/types';
import { CommandIds, type Command } from '../commands/command';
import type { UploadFlow, UploadJob } from '../uploadFlow';
import type { UploadService } from '../uploadService';
import { loadEngine } from '../engineLoader';

export interface PublishDeps {
  uploads: UploadService;
  flow: UploadFlow;
}

/** What one upload in the document stands for: a local file or a data: URI, and where it is used. */
interface Source {
  key: string;
  label: string;
  job: UploadJob;
  targets: LinkTarget[];
}

/**
 * `kieUpload.uploadLocalImages(uri?)`: uploads the local files and `data:` URIs a Markdown document
 * links to, and replaces each target with its hosted link in one workspace edit. A file used twice
 * is uploaded once. Without arguments it works on the active editor and shows the edit as a preview
 * first; with a document URI it applies the edit directly and returns the outcomes.
 */
export class UploadLocalImagesCommand implements Command {
  readonly id = CommandIds.uploadLocalImages;

  constructor(private readonly deps: PublishDeps) {}

  async execute(uri?: unknown): Promise<UploadOutcome[] | undefined> {
    const interactive = uri === undefined;
    const document = interactive
      ? vscode.window.activeTextEditor?.document
      : uri instanceof vscode.Uri
        ? await vscode.workspace.openTextDocument(uri)
        : undefined;
    if (!document || document.languageId !== 'markdown') {
      void vscode.window.showWarningMessage(vscode.l10n.t('Open a Markdown document to upload the local images it uses.'));
      return interactive ? undefined : [];
    }
    const version = document.version;
    const sources = await this.findSources(document);
    if (sources.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} links to no local files or data: URIs.', path.basename(document.fileName)));
      return [];
    }
    const outcomes = await this.deps.flow.run(sources.map((source) => source.job), { interactive });
    if (document.version !== version) {
      void vscode.window.showWarningMessage(vscode.l10n.t('{0} changed during the upload; its links were not replaced. The uploads are in Recent Uploads.', path.basename(document.fileName)));
      return outcomes;
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
    return outcomes;
  }

  private async findSources(document: vscode.TextDocument): Promise<Source[]> {
    const docDir = path.dirname(document.uri.fsPath);
    const root = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath;
    const sources = new Map<string, Source>();
    // Loaded on demand: the MIME tables are not needed until something is uploaded.
    const { mimeExtension } = await loadEngine();
    for (const target of scanLinkTargets(document.getText())) {
      const kind = classifyTarget(target.target);
      if (kind === 'data') {
        const parsed = parseDataUri(target.target);
        if (parsed) {
          const key = `data:${target.target}`;
          const label = `image-${sources.size + 1}.${mimeExtension(parsed.mimeType)}`;
          addTarget(sources, key, target, () => ({ label, size: parsed.bytes.byteLength, start: (controls) => this.deps.uploads.uploadData(parsed.bytes, label, { method: 'base64' }, controls) }));
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
      const stat = await statFile(vscode.Uri.file(file));
      if (!stat) {
        continue;
      }
      const fileUri = vscode.Uri.file(file);
      addTarget(sources, `file:${file}`, target, () => ({ label: path.basename(file), size: stat.size, start: (controls) => this.deps.uploads.uploadFile(fileUri, {}, controls) }));
    }
    return [...sources.values()];
  }
}

function addTarget(sources: Map<string, Source>, key: string, target: LinkTarget, makeJob: () => UploadJob): void {
  const existing = sources.get(key);
  if (existing) {
    existing.targets.push(target);
    return;
  }
  const job = makeJob();
  sources.set(key, { key, label: job.label, job, targets: [target] });
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
