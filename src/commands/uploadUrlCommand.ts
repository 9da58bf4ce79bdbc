import * as vscode from 'vscode';
import { fileNameFromUrl } from '../core/naming';
import type { UploadOptions, UploadOutcome } from '../core/types';
import { describeProblems, entriesInList, planUrls } from '../core/urlList';
import { normalizeUploadPath, sanitizeFileName, validateRemoteUrl } from '../core/validation';
import type { KieConfig } from '../platform/config';
import type { UploadFlow } from '../upload/uploadFlow';
import type { UploadService } from '../upload/uploadService';
import { runUrlBatch, shortLabel } from '../upload/urlBatch';
import { CommandIds, type Command } from './command';

export interface UploadUrlDeps {
  uploads: UploadService;
  flow: UploadFlow;
  getConfig: () => KieConfig;
}

/**
 * `kieUpload.uploadUrl(url?, options?)`: the service fetches a public http(s) URL; this side never
 * downloads it. With a URL it never prompts and returns the outcome (with a list of URLs: one
 * outcome per entry); without, it asks for one URL or several (checked as you type), then for one
 * URL the file name, and the upload path, prefilled: Enter accepts each.
 */
export class UploadUrlCommand implements Command {
  readonly id = CommandIds.uploadUrl;

  constructor(private readonly deps: UploadUrlDeps) {}

  async execute(url?: unknown, options?: unknown): Promise<UploadOutcome | UploadOutcome[] | undefined> {
    if (Array.isArray(url)) {
      return runUrlBatch(this.deps, url, (options ?? {}) as UploadOptions, false);
    }
    if (url !== undefined) {
      return this.upload(typeof url === 'string' ? url : String(url), (options ?? {}) as UploadOptions, false);
    }
    const asked = await this.ask();
    if (!asked) {
      return undefined;
    }
    return asked.urls.length === 1 ? this.upload(asked.urls[0], asked.options, true) : runUrlBatch(this.deps, asked.urls, asked.options, true);
  }

  private async upload(url: string, options: UploadOptions, interactive: boolean): Promise<UploadOutcome> {
    const [outcome] = await this.deps.flow.run(
      [{ label: shortLabel(url), size: 0, start: (controls) => this.deps.uploads.uploadUrl(url, options, controls) }],
      { interactive },
    );
    return outcome;
  }

  private async ask(): Promise<{ urls: string[]; options: UploadOptions } | undefined> {
    const title = vscode.l10n.t('Upload from URL');
    const typed = await vscode.window.showInputBox({
      title,
      prompt: vscode.l10n.t(
        'One or more addresses of publicly reachable files, separated by spaces or new lines. The service downloads each itself, within 30 seconds and up to about 100 MB.',
      ),
      placeHolder: 'https://example.com/picture.png https://example.com/report.pdf',
      ignoreFocusOut: true,
      validateInput: (value) => checkList(value),
    });
    if (typed === undefined) {
      return undefined;
    }
    const urls = entriesInList(typed);
    const steps = urls.length === 1 ? 3 : 2;
    let fileName = '';
    if (urls.length === 1) {
      const suggested = fileNameFromUrl(validateRemoteUrl(urls[0])) ?? '';
      const chosen = await vscode.window.showInputBox({
        title: `${title} (2/3)`,
        prompt: vscode.l10n.t('File name on the file host. Leave empty to let the service choose one.'),
        value: suggested,
        ignoreFocusOut: true,
        validateInput: (value) => (value.trim() ? problem(() => sanitizeFileName(value)) : undefined),
      });
      if (chosen === undefined) {
        return undefined;
      }
      fileName = chosen;
    }
    const defaultPath = this.deps.getConfig().uploadPath;
    const uploadPath = await vscode.window.showInputBox({
      title: `${title} (${steps}/${steps})`,
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
    return { urls: urls.map((entry) => validateRemoteUrl(entry)), options };
  }
}

/**
 * The list as typed: an entry that is not a usable URL blocks Enter with its reason; a URL listed
 * twice only earns a note (it is sent once).
 */
function checkList(value: string): string | vscode.InputBoxValidationMessage | undefined {
  const entries = entriesInList(value);
  if (entries.length === 0) {
    return vscode.l10n.t('Enter the URL of the file to upload.');
  }
  const plan = planUrls(entries);
  const invalid = plan.entries.find((entry) => entry.problem && entry.duplicateOf === undefined);
  if (invalid) {
    return entries.length === 1 ? invalid.problem?.message : vscode.l10n.t('Entry {0}: {1}', plan.entries.indexOf(invalid) + 1, invalid.problem?.message ?? '');
  }
  const note = describeProblems(plan);
  return note ? { message: note, severity: vscode.InputBoxValidationSeverity.Info } : undefined;
}

function problem(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
