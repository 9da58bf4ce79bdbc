import * as vscode from 'vscode';
import { copyToClipboard, reportClipboardFailure } from './clipboard';
import type { UploadControls } from './core/client';
import { batchWorkers, mapConcurrent } from './core/pool';
import type { UploadOutcome, UploadRecord } from './core/types';
import { formatBytes } from './core/validation';
import { CommandIds } from './commands/command';
import type { KieConfig } from './config';
import type { KeyStore } from './keyStore';
import type { UploadStatus } from './uploadStatus';
import { insertLinks } from './editorLinks';

/** One upload of a batch: what the user sees, and how to start it. */
export interface UploadJob {
  readonly label: string;
  /** Bytes that will be sent, when known in advance (for the progress total). */
  readonly size: number;
  start(controls: UploadControls): Promise<UploadOutcome>;
}

export interface FlowDeps {
  keys: KeyStore;
  getConfig: () => KieConfig;
  status: UploadStatus;
}

export interface FlowOptions {
  /** A person started this (no arguments, or the Explorer): prompts and dialogs are allowed. */
  interactive: boolean;
  /**
   * The links go into a document (drop, paste): no after-upload action or success notification, and
   * no Retry Failed, since the placeholder of a failed upload is already gone.
   */
  intoDocument?: boolean;
}

/**
 * Runs a batch of uploads the way the user sees it: one cancellable progress notification with
 * byte progress, at most `maxConcurrentUploads` at a time, then one summary that names every
 * failure with its reason, and the after-upload action for the links that succeeded.
 */
export class UploadFlow {
  constructor(private readonly deps: FlowDeps) {}

  async run(jobs: readonly UploadJob[], options: FlowOptions): Promise<UploadOutcome[]> {
    if (options.interactive && !(await this.ensureKey())) {
      return jobs.map((job) => ({ source: job.label, error: { code: 'no-api-key', message: vscode.l10n.t('No API key is set.') } }));
    }
    const outcomes = await this.withProgress(jobs);
    void this.report(jobs, outcomes, options);
    return outcomes;
  }

  /** Without a key, offer to set one and carry on with the upload once it is stored. */
  private async ensureKey(): Promise<boolean> {
    if (await this.deps.keys.get()) {
      return true;
    }
    const setKey = vscode.l10n.t('Set API Key');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Uploading needs your Kie API key.'), setKey);
    if (choice !== setKey) {
      return false;
    }
    await vscode.commands.executeCommand(CommandIds.setApiKey);
    return Boolean(await this.deps.keys.get());
  }

  private async withProgress(jobs: readonly UploadJob[]): Promise<UploadOutcome[]> {
    const title = jobs.length === 1 ? vscode.l10n.t('Uploading {0}', jobs[0].label) : vscode.l10n.t('Uploading {0} files', jobs.length);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const batch = this.deps.status.begin(jobs.length);
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      batch.signal.addEventListener('abort', () => controller.abort());
      const sent = new Array<number>(jobs.length).fill(0);
      const total = jobs.reduce((sum, job) => sum + job.size, 0);
      let done = 0;
      let reported = 0;
      const update = () => {
        const bytes = sent.reduce((sum, value) => sum + value, 0);
        const percent = total > 0 ? Math.min(100, (bytes / total) * 100) : (done / jobs.length) * 100;
        const message =
          jobs.length === 1
            ? vscode.l10n.t('{0} of {1}', formatBytes(bytes), formatBytes(total))
            : vscode.l10n.t('{0} of {1} files, {2} of {3}', done, jobs.length, formatBytes(bytes), formatBytes(total));
        progress.report({ message, increment: Math.max(0, percent - reported) });
        reported = Math.max(reported, percent);
      };
      try {
        return await mapConcurrent(jobs, batchWorkers(this.deps.getConfig().maxConcurrentUploads), async (job, index) => {
          const outcome = await job.start({
            signal: controller.signal,
            // The body is slightly larger than the file (multipart framing, base64): never count past the file.
            onProgress: (bytes, bodyTotal) => {
              sent[index] = Math.min(job.size, Math.round((bytes / Math.max(1, bodyTotal)) * job.size));
              update();
            },
          });
          done++;
          batch.setRemaining(jobs.length - done);
          sent[index] = job.size;
          update();
          return outcome;
        });
      } finally {
        cancel.dispose();
        batch.end();
      }
    });
  }

  private async report(jobs: readonly UploadJob[], outcomes: readonly UploadOutcome[], options: FlowOptions): Promise<void> {
    const records = outcomes.flatMap((outcome) => (outcome.record ? [outcome.record] : []));
    const failures = outcomes.map((outcome, index) => ({ outcome, job: jobs[index] })).filter(({ outcome }) => outcome.error);
    if (records.length > 0 && !options.intoDocument) {
      await this.afterUpload(records, options);
    }
    if (failures.length > 0) {
      await this.reportFailures(failures, jobs.length, options);
    }
  }

  private async afterUpload(records: readonly UploadRecord[], options: FlowOptions): Promise<void> {
    const links = records.map((record) => record.url).join('\n');
    const action = this.deps.getConfig().afterUpload;
    const copied = action === 'copyLink' && (await copyToClipboard(links));
    if (action === 'insertMarkdownLink') {
      await insertLinks(records);
    }
    const what = records.length === 1 ? records[0].fileName : vscode.l10n.t('{0} files', records.length);
    const copy = vscode.l10n.t('Copy Link');
    const insert = vscode.l10n.t('Insert Link');
    const open = vscode.l10n.t('Open');
    const message =
      copied
        ? vscode.l10n.t('Uploaded {0}. The link is copied to the clipboard.', what)
        : vscode.l10n.t('Uploaded {0}.', what);
    const buttons = action === 'ask' && options.interactive && vscode.window.activeTextEditor ? [copy, insert, open] : [copy, open];
    const choice = await vscode.window.showInformationMessage(message, ...buttons);
    if (choice === copy) {
      if (!(await copyToClipboard(links))) {
        reportClipboardFailure(links);
      }
    } else if (choice === insert) {
      await insertLinks(records);
    } else if (choice === open) {
      await vscode.env.openExternal(vscode.Uri.parse(records[0].url));
    }
  }

  private async reportFailures(failures: Array<{ outcome: UploadOutcome; job: UploadJob }>, total: number, options: FlowOptions): Promise<void> {
    const cancelled = failures.every(({ outcome }) => outcome.error?.code === 'cancelled');
    const lines = failures.slice(0, 5).map(({ outcome, job }) => `${job.label}: ${outcome.error?.message}`);
    if (failures.length > 5) {
      lines.push(vscode.l10n.t('…and {0} more (see the log)', failures.length - 5));
    }
    const actions: string[] = [];
    const keyProblem = failures.some(({ outcome }) => outcome.error?.code === 'unauthorized' || outcome.error?.code === 'no-api-key');
    const setKey = vscode.l10n.t('Set API Key');
    const retry = vscode.l10n.t('Retry Failed');
    if (keyProblem) {
      actions.push(setKey);
    }
    if (!cancelled && !options.intoDocument) {
      actions.push(retry);
    }
    const message = cancelled
      ? vscode.l10n.t('Upload cancelled: {0}', lines.join('; '))
      : total === 1
        ? vscode.l10n.t('Upload failed. {0}', lines[0])
        : vscode.l10n.t('{0} of {1} uploads failed. {2}', failures.length, total, lines.join('; '));
    const choice = await (cancelled ? vscode.window.showInformationMessage(message) : vscode.window.showErrorMessage(message, ...actions));
    if (choice === setKey) {
      await vscode.commands.executeCommand(CommandIds.setApiKey);
    }
    if (choice === retry || (choice === setKey && (await this.deps.keys.get()))) {
      await this.run(failures.map(({ job }) => job), options);
    }
  }
}

