import * as vscode from 'vscode';
import { workspacePrefersUploadEdit } from '../platform/config';
import type { UploadOutcome } from '../core/types';
import type { UploadService } from '../upload/uploadService';
import { PendingLinks, type PendingUpload } from './pendingLinks';

/** `markdown.link.kieUpload`: our edit in the drop/paste widget, beside the built-in ones. */
export const UPLOAD_EDIT_KIND = vscode.DocumentDropOrPasteEditKind.Empty.append('markdown', 'link', 'kieUpload');
const BUILT_IN_MARKDOWN = vscode.DocumentDropOrPasteEditKind.Empty.append('markdown');

export interface DropPasteDeps {
  uploads: UploadService;
  pending: PendingLinks;
  /** `kieUpload.dropAndPaste.preferUpload`: offer the upload first instead of after the built-in edits. */
  preferUpload: () => boolean;
  /** Whether an upload of this name will be optimised first (its placeholder says so). */
  optimising?: (fileName: string) => boolean;
  /** Told when the uploads of a drop or paste have settled (the integration tests wait on it). */
  onSettled?: (outcomes: UploadOutcome[]) => void;
}

/** An edit whose uploads start only if the user actually applies it (resolve), not while it is merely offered. */
class UploadEdit {
  constructor(
    readonly uploads: PendingUpload[],
    readonly ids: string[],
    readonly document: vscode.TextDocument,
  ) {}
}

type DropEdit = vscode.DocumentDropEdit & { upload: UploadEdit };
type PasteEdit = vscode.DocumentPasteEdit & { upload: UploadEdit };

/**
 * Drop files (Explorer or OS) or paste copied files or a clipboard image into Markdown: "Upload to
 * Kie and insert link". A placeholder goes in at once; the real link replaces it when the upload ends.
 * The uploads run like every other upload: cancellable, in the status bar, failures summarised.
 */
export class UploadDropPasteProvider implements vscode.DocumentDropEditProvider<DropEdit>, vscode.DocumentPasteEditProvider<PasteEdit> {
  constructor(private readonly deps: DropPasteDeps) {}

  async provideDocumentDropEdits(document: vscode.TextDocument, _position: vscode.Position, dataTransfer: vscode.DataTransfer): Promise<DropEdit | undefined> {
    if (workspacePrefersUploadEdit(document, 'drop')) {
      return undefined; // A workspace must not make drops upload by default (README, Security).
    }
    return this.offer(document, dataTransfer, (text, label) => new vscode.DocumentDropEdit(text, label, UPLOAD_EDIT_KIND), [BUILT_IN_MARKDOWN]);
  }

  resolveDocumentDropEdit(edit: DropEdit): DropEdit {
    this.start(edit.upload);
    return edit;
  }

  async provideDocumentPasteEdits(
    document: vscode.TextDocument,
    _ranges: readonly vscode.Range[],
    dataTransfer: vscode.DataTransfer,
    context: vscode.DocumentPasteEditContext,
  ): Promise<PasteEdit[] | undefined> {
    if (context.only ? !UPLOAD_EDIT_KIND.intersects(context.only) : workspacePrefersUploadEdit(document, 'paste')) {
      // Not the kind asked for by Paste As…; or a workspace trying to make plain pastes upload by default.
      return undefined;
    }
    const edit = await this.offer(
      document,
      dataTransfer,
      (text, label) => new vscode.DocumentPasteEdit(text, label, UPLOAD_EDIT_KIND),
      [BUILT_IN_MARKDOWN, vscode.DocumentDropOrPasteEditKind.Text],
    );
    return edit && [edit];
  }

  resolveDocumentPasteEdit(edit: PasteEdit): PasteEdit {
    this.start(edit.upload);
    return edit;
  }

  /** The upload edit for what is being dropped or pasted, or undefined when it holds no files. */
  private async offer<E extends vscode.DocumentDropEdit | vscode.DocumentPasteEdit>(
    document: vscode.TextDocument,
    dataTransfer: vscode.DataTransfer,
    create: (text: string, label: string) => E,
    builtIns: vscode.DocumentDropOrPasteEditKind[],
  ): Promise<(E & { upload: UploadEdit }) | undefined> {
    const uploads = await this.uploadsFrom(dataTransfer);
    if (uploads.length === 0) {
      return undefined;
    }
    const { text, ids } = this.deps.pending.placeholders(uploads);
    const edit = Object.assign(create(text, title(uploads)), { upload: new UploadEdit(uploads, ids, document) });
    edit.yieldTo = this.deps.preferUpload() ? [] : builtIns;
    return edit;
  }

  private start(upload: UploadEdit): void {
    // The placeholder is inserted right after resolve returns; the uploads run meanwhile.
    void this.deps.pending.begin(upload.document, upload.uploads, upload.ids).then((outcomes) => this.deps.onSettled?.(outcomes));
  }

  /** Files by URI (Explorer, copied files) and in-memory files (a clipboard image, a drop from the OS). */
  private async uploadsFrom(dataTransfer: vscode.DataTransfer): Promise<PendingUpload[]> {
    const uploads: PendingUpload[] = [];
    const uriList = await dataTransfer.get('text/uri-list')?.asString();
    const uris = (uriList ?? '')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .flatMap((line) => {
        try {
          return [vscode.Uri.parse(line, true)];
        } catch {
          return [];
        }
      })
      .filter((uri) => uri.scheme !== 'http' && uri.scheme !== 'https');
    for (const uri of uris) {
      const label = uri.path.slice(uri.path.lastIndexOf('/') + 1);
      const size = await sizeOf(uri);
      // Bytes that already have a live link are not sent again: the link goes in at once.
      uploads.push({ label, size, optimising: this.deps.optimising?.(label), start: (controls) => this.deps.uploads.uploadFile(uri, { reuseLiveLink: true }, controls) });
    }
    if (uris.length > 0) {
      return uploads;
    }
    for (const [mime, item] of dataTransfer) {
      const file = item.asFile();
      if (!file) {
        continue;
      }
      const name = file.name || `pasted-${new Date().toISOString().replace(/[:.]/g, '-')}.${mime.split('/')[1] ?? 'bin'}`;
      const size = file.uri ? await sizeOf(file.uri) : 0;
      uploads.push({
        label: name,
        size,
        optimising: this.deps.optimising?.(name),
        start: async (controls) =>
          file.uri
            ? this.deps.uploads.uploadFile(file.uri, { reuseLiveLink: true }, controls)
            : this.deps.uploads.uploadData(await file.data(), name, { method: 'base64', reuseLiveLink: true }, controls),
      });
    }
    return uploads;
  }
}

/** The size of a dropped or pasted file, for the progress total (0 when unknown). */
async function sizeOf(uri: vscode.Uri): Promise<number> {
  try {
    return (await vscode.workspace.fs.stat(uri)).size;
  } catch {
    return 0;
  }
}

function title(uploads: readonly PendingUpload[]): string {
  return uploads.length === 1 ? vscode.l10n.t('Upload to Kie and insert link') : vscode.l10n.t('Upload {0} files to Kie and insert links', uploads.length);
}

/**
 * Offers the upload edit in the languages of `kieUpload.dropAndPaste.languages`, registered again
 * when they change.
 */
export function registerDropPaste(provider: UploadDropPasteProvider, languages: () => readonly string[], onRegistered?: (languages: readonly string[]) => void): vscode.Disposable {
  let current = '';
  let registration: vscode.Disposable | undefined;
  const register = () => {
    const wanted = [...new Set(languages().filter((id) => typeof id === 'string' && id.trim()))].sort();
    if (wanted.join('\n') === current) {
      return;
    }
    current = wanted.join('\n');
    registration?.dispose();
    const selector: vscode.DocumentSelector = wanted.map((language) => ({ language }));
    registration = vscode.Disposable.from(
      vscode.languages.registerDocumentDropEditProvider(selector, provider, { providedDropEditKinds: [UPLOAD_EDIT_KIND], dropMimeTypes: ['text/uri-list', 'files'] }),
      vscode.languages.registerDocumentPasteEditProvider(selector, provider, {
        providedPasteEditKinds: [UPLOAD_EDIT_KIND],
        pasteMimeTypes: ['files', 'image/*', 'text/uri-list'],
      }),
    );
    onRegistered?.(wanted);
  };
  register();
  const listener = vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration('kieUpload.dropAndPaste.languages') && register());
  return { dispose: () => (listener.dispose(), registration?.dispose()) };
}
