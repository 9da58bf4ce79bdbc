import * as vscode from 'vscode';
import { copyToClipboard, reportClipboardFailure } from '../platform/clipboard';
import type { UploadControls } from '../core/client';
import { batchWorkers, mapConcurrent } from '../core/pool';
import { throttle } from '../core/throttle';
import type { UploadOutcome, UploadRecord } from '../core/types';
import { formatBytes } from '../core/validation';
import { askForApiKey } from '../platform/apiKeyPrompt';
import type { KieConfig } from '../platform/config';
import type { KeyStore } from '../platform/keyStore';
import type { UploadStatus } from './uploadStatus';
import { insertLinks } from '../markdown/editorLinks';
import { sensitiveQuestion } from './uploadService';

/** The workbench shows a progress notification at least 800 ms (ProgressService, VS Code 1.100), counted from when the start reaches it: 100 ms more. */
const MIN_NOTIFICATION_MS = 900;
/** The extension host passes progress reports on at most every 100 ms (ExtHostProgress). */
const REPORT_THROTTLE_MS = 150;
/** How often the task reports progress at most. */
const REPORT_INTERVAL_MS = 100;
/** After the task ends: the workbench closes the notification once the end reaches it. */
const CLOSE_MARGIN_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A batch's outcomes, and when its progress notification has closed. */
interface Settled {
  outcomes: UploadOutcome[];
  closed: Promise<void>;
}

/** One upload of a batch: what the user sees, and how to start it. */
export interface UploadJob {
  readonly label: string;
  /** Bytes that will be sent, when known in advance (for the progress total). */
  readonly size: number;
  /** Whether kieUpload.images.optimize will re-encode it first (a drop or paste placeholder says so). */
  readonly optimising?: boolean;
  start(controls: UploadControls): Promise<UploadOutcome>;
  /** The same upload past the sensitive-file guard, for when the person who chose the file says so. */
  startAnyway?(controls: UploadControls): Promise<UploadOutcome>;
}

export interface FlowDeps {
  keys: KeyStore;
  getConfig: () => KieConfig;
  status: UploadStatus;
  /** Told of each summary of files the sensitive-file guard held back (the integration tests read it). */
  onSkippedSensitive?: (message: string) => void;
}

export interface FlowOptions {
  /** A person started this (no arguments, or the Explorer): prompts and dialogs are allowed. */
  interactive: boolean;
  /**
   * One file a person chose themselves (not a folder, not a batch): if it looks like it holds a
   * secret, a modal asks whether to upload it anyway. Otherwise such files are skipped and named.
   */
  confirmSensitive?: boolean;
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
    const first = this.withProgress(jobs);
    const { outcomes, closed } = await this.confirmSensitive(jobs, { outcomes: await first.outcomes, closed: first.closed }, options);
    void this.report(jobs, outcomes, options, closed);
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
    await askForApiKey(this.deps.keys);
    return Boolean(await this.deps.keys.get());
  }

  /**
   * The notification's task. `outcomes` settles with the uploads; `closed` once the notification is
   * gone. The workbench keeps a progress notification on screen for at least 800 ms, and the
   * extension host sends reports at most every 100 ms and drops one still pending when the task
   * ends: so the task shows the total, lets that report through, and stays until the workbench
   * closes the notification at once. The summary waits for `closed`, so that it never appears
   * beside a stale "Uploading…".
   */
  private withProgress(jobs: readonly UploadJob[]): { outcomes: Promise<UploadOutcome[]>; closed: Promise<void> } {
    const title = jobs.length === 1 ? vscode.l10n.t('Uploading {0}', jobs[0].label) : vscode.l10n.t('Uploading {0} files', jobs.length);
    let settle!: (outcomes: Promise<UploadOutcome[]>) => void;
    const outcomes = new Promise<UploadOutcome[]>((resolve) => (settle = resolve));
    const closed = vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const started = Date.now();
      const batch = this.deps.status.begin(jobs.length);
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      batch.signal.addEventListener('abort', () => controller.abort());
      const sent = new Array<number>(jobs.length).fill(0);
      const total = jobs.reduce((sum, job) => sum + job.size, 0);
      let bytes = 0;
      let done = 0;
      let reported = 0;
      const setSent = (index: number, value: number) => {
        bytes += value - sent[index];
        sent[index] = value;
      };
      // At most every 100 ms (the extension host passes no more on), and the last state at the end.
      const update = throttle(() => {
        const percent = total > 0 ? Math.min(100, (bytes / total) * 100) : (done / jobs.length) * 100;
        const message =
          jobs.length === 1
            ? vscode.l10n.t('{0} of {1}', formatBytes(bytes), formatBytes(total))
            : vscode.l10n.t('{0} of {1} files, {2} of {3}', done, jobs.length, formatBytes(bytes), formatBytes(total));
        progress.report({ message, increment: Math.max(0, percent - reported) });
        reported = Math.max(reported, percent);
      }, REPORT_INTERVAL_MS);
      const running = mapConcurrent(jobs, batchWorkers(this.deps.getConfig().maxConcurrentUploads), async (job, index) => {
        const outcome = await job.start({
          signal: controller.signal,
          // The body is slightly larger than the file (multipart framing, base64): never count past the file.
          onProgress: (bodyBytes, bodyTotal) => {
            setSent(index, Math.min(job.size, Math.round((bodyBytes / Math.max(1, bodyTotal)) * job.size)));
            update();
          },
        });
        done++;
        batch.setRemaining(jobs.length - done);
        setSent(index, job.size);
        update();
        return outcome;
      });
      try {
        await running;
      } catch {
        /* settled through `outcomes` below */
      } finally {
        update.flush();
        cancel.dispose();
        batch.end();
        settle(running);
      }
      await sleep(Math.max(REPORT_THROTTLE_MS, MIN_NOTIFICATION_MS - (Date.now() - started)));
    });
    return { outcomes, closed: Promise.resolve(closed).then(() => sleep(CLOSE_MARGIN_MS)) };
  }

  private async report(jobs: readonly UploadJob[], outcomes: readonly UploadOutcome[], options: FlowOptions, progressClosed: Promise<void>): Promise<void> {
    const records = outcomes.flatMap((outcome) => (outcome.record ? [outcome.record] : []));
    const failures = outcomes.map((outcome, index) => ({ outcome, job: jobs[index] })).filter(({ outcome }) => outcome.error && outcome.error.code !== 'sensitive');
    if (!canConfirm(jobs, options)) {
      void progressClosed.then(() => this.reportSkipped(jobs.filter((_job, index) => outcomes[index]?.error?.code === 'sensitive'), outcomes));
    }
    // Side by side: the success notification stays open until the user closes it, and the
    // failures must not wait for that (nor the other way round). Both wait for the progress
    // notification to close, so that it never stands beside its own result.
    await Promise.all([
      records.length > 0 && !options.intoDocument ? this.afterUpload(records, options, progressClosed) : undefined,
      failures.length > 0 ? progressClosed.then(() => this.reportFailures(failures, jobs.length, options)) : undefined,
    ]);
  }

  /** The person who chose a single file that looks like it holds a secret decides; a yes sends it after all. */
  private async confirmSensitive(jobs: readonly UploadJob[], settled: Settled, options: FlowOptions): Promise<Settled> {
    const [job] = jobs;
    const error = settled.outcomes[0]?.error;
    if (!canConfirm(jobs, options) || error?.code !== 'sensitive' || !job.startAnyway) {
      return settled;
    }
    await settled.closed;
    const upload = vscode.l10n.t('Upload');
    const choice = await vscode.window.showWarningMessage(
      sensitiveQuestion(error.message),
      { modal: true, detail: vscode.l10n.t('Anyone who gets the link can download the file until it expires.') },
      upload,
    );
    if (choice !== upload) {
      return settled;
    }
    const startAnyway = job.startAnyway.bind(job);
    const again = this.withProgress([{ label: job.label, size: job.size, start: startAnyway }]);
    return { outcomes: await again.outcomes, closed: again.closed };
  }

  /**
   * Files the sensitive-file guard held back in a batch, a folder, a publish or an automated call:
   * named in one warning, and neither counted as failures nor offered for Retry.
   */
  private reportSkipped(skipped: readonly UploadJob[], outcomes: readonly UploadOutcome[]): void {
    if (skipped.length === 0) {
      return;
    }
    const names = skipped.slice(0, 10).map((job) => job.label);
    const listed = skipped.length > 10 ? vscode.l10n.t('{0} and {1} more', names.join(', '), skipped.length - 10) : names.join(', ');
    const message =
      skipped.length === 1
        ? (outcomes.find((outcome) => outcome.error?.code === 'sensitive')?.error?.message ?? listed)
        : vscode.l10n.t('Skipped {0} files that look like they hold secrets: {1}. None of them was sent.', skipped.length, listed);
    this.deps.onSkippedSensitive?.(message);
    void vscode.window.showWarningMessage(message);
  }

  private async afterUpload(records: readonly UploadRecord[], options: FlowOptions, progressClosed: Promise<void>): Promise<void> {
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
    const notes = records.flatMap((record) => record.notes ?? []);
    const message =
      (copied
        ? vscode.l10n.t('Uploaded {0}. The link is copied to the clipboard.', what)
        : vscode.l10n.t('Uploaded {0}.', what)) + (notes.length ? ' ' + vscode.l10n.t('Before sending: {0}.', notes.join('; ')) : '');
    const buttons = action === 'ask' && options.interactive && vscode.window.activeTextEditor ? [copy, insert, open] : [copy, open];
    await progressClosed;
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
      await askForApiKey(this.deps.keys);
    }
    if (choice === retry || (choice === setKey && (await this.deps.keys.get()))) {
      await this.run(failures.map(({ job }) => job), options);
    }
  }
}

function canConfirm(jobs: readonly UploadJob[], options: FlowOptions): boolean {
  return options.confirmSensitive === true && jobs.length === 1 && jobs[0].startAnyway !== undefined;
}
