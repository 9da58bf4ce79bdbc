import * as vscode from 'vscode';
import { fileNameFromUrl } from '../core/naming';
import type { UploadOptions, UploadOutcome } from '../core/types';
import { normalizeUploadPath, sanitizeFileName, validateRemoteUrl } from '../core/validation';
import type { KieConfig } from '../platform/config';
import type { UploadFlow } from '../upload/uploadFlow';
import type { UploadService } from '../upload/uploadService';
import { CommandIds, type Command } from './command';

export interface UploadUrlDeps {
  uploads: UploadService;
  flow: UploadFlow;
  getConfig: () => KieConfig;
}

/**
 * `kieUpload.uploadUrl(url?, options?)`: the service fetches a public http(s) URL; this side never
 * downloads it. With a URL it never prompts and returns the outcome; without, it asks for the URL
 * (checked as you type), then the file name and upload path, prefilled: Enter accepts each.
 */
export class UploadUrlCommand implements Command {
  readonly id = CommandIds.uploadUrl;

  constructor(private readonly deps: UploadUrlDeps) {}

  async execute(url?: unknown, options?: unknown): Promise<UploadOutcome | undefined> {
    if (url !== undefined) {
      return this.upload(typeof url === 'string' ? url : String(url), (options ?? {}) as UploadOptions, false);
    }
    const asked = await this.ask();
    return asked ? this.upload(asked.url, asked.options, true) : undefined;
  }

  private async upload(url: string, options: UploadOptions, interactive: boolean): Promise<UploadOutcome> {
    const [outcome] = await this.deps.flow.run(
      [{ label: shortLabel(url), size: 0, start: (controls) => this.deps.uploads.uploadUrl(url, options, controls) }],
      { interactive },
    );
    return outcome;
  }

  private async ask(): Promise<{ url: string; options: UploadOptions } | undefined> {
    const title = vscode.l10n.t('Upload from URL');
    const url = await vscode.window.showInputBox({
      title: `${title} (1/3)`,
      prompt: vscode.l10n.t('The address of a publicly reachable file; the service downloads it (within 30 s, up to about 100 MB).'),
      placeHolder: 'https://example.com/picture.png',
      ignoreFocusOut: true,
      validateInput: (value) => problem(() => validateRemoteUrl(value)),
    });
    if (url === undefined) {
      return undefined;
    }
    const suggested = fileNameFromUrl(validateRemoteUrl(url)) ?? '';
    const fileName = await vscode.window.showInputBox({
      title: `${title} (2/3)`,
      prompt: vscode.l10n.t('File name on the file host. Leave empty to let the service choose one.'),
      value: suggested,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() ? problem(() => sanitizeFileName(value)) : undefined),
    });
    if (fileName === undefined) {
      return undefined;
    }
    const defaultPath = this.deps.getConfig().uploadPath;
    const uploadPath = await vscode.window.showInputBox({
      title: `${title} (3/3)`,
      prompt: vscode.l10n.t('Folder on the file host (kieUpload.uploadPath).'),
      value: defaultPath,
      ignoreFocusOut: true,
      validateInput: (value) => problem(() => normalizeUploadPath(value)),
    });
    if (uploadPath === undefined) {
      return undefined;
    }
    const options: UploadOptions = {
      ...(fileName.trim() ? { fileName: fileName.trim() } : {}),
      // The default folder still gets the naming scheme; a folder the user typed is used as it is.
      ...(uploadPath.trim() !== defaultPath ? { uploadPath: uploadPath.trim() } : {}),
    };
    return { url: url.trim(), options };
  }
}

function problem(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function shortLabel(url: string): string {
  return url.length > 60 ? `${url.slice(0, 57)}...` : url;
}
