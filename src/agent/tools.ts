import * as vscode from 'vscode';
import type { KieConfig } from '../platform/config';
import { describeExpiry } from '../core/expiry';
import type { UploadHistory } from '../core/history';
import { markdownLink } from '../core/links';
import type { UploadOutcome, UploadRecord } from '../core/types';
import { formatBytes } from '../core/validation';
import type { UploadService } from '../upload/uploadService';
import { planFiles, planUrls, readList, type FileTarget, type Plan, type Refusal } from './targets';

/**
 * Uploads as Language Model tools (the `languageModelTools` contribution): a chat agent can publish
 * workspace files and public URLs and read the recent uploads. Every call that publishes asks the
 * user first, naming each file (with its size) or URL; the checks of `targets.ts` run before the
 * question and again before the upload, and only what the user confirmed is sent.
 */

export const ToolNames = {
  uploadFiles: 'kie_upload_files',
  uploadUrls: 'kie_upload_urls',
  recentUploads: 'kie_recent_uploads',
} as const;

export interface UploadFilesInput {
  paths: string[];
}
export interface UploadUrlsInput {
  urls: string[];
}
export interface RecentUploadsInput {
  expiringWithinHours?: number;
  includeExpired?: boolean;
  limit?: number;
}

export interface AgentToolDeps {
  uploads: UploadService;
  history: UploadHistory;
  getConfig: () => KieConfig;
  hasApiKey: () => PromiseLike<boolean>;
  now?: () => number;
}

/** The three tools, as registered (the integration tests call `prepareInvocation` on them directly). */
export interface AgentTools {
  uploadFiles: vscode.LanguageModelTool<UploadFilesInput>;
  uploadUrls: vscode.LanguageModelTool<UploadUrlsInput>;
  recentUploads: vscode.LanguageModelTool<RecentUploadsInput>;
}

const MAX_RECENT = 100;
const DEFAULT_RECENT = 20;
const HOUR = 3_600_000;

export function registerUploadTools(deps: AgentToolDeps, onCreated?: (tools: AgentTools) => void): vscode.Disposable {
  const tools = createUploadTools(deps);
  onCreated?.(tools);
  return vscode.Disposable.from(
    vscode.lm.registerTool(ToolNames.uploadFiles, tools.uploadFiles),
    vscode.lm.registerTool(ToolNames.uploadUrls, tools.uploadUrls),
    vscode.lm.registerTool(ToolNames.recentUploads, tools.recentUploads),
  );
}

export function createUploadTools(deps: AgentToolDeps): AgentTools {
  const confirmed = new Confirmations();
  return {
    uploadFiles: new PublishTool<FileTarget>(deps, confirmed, {
      key: 'paths',
      plan: (items) => planFiles(items, deps.getConfig().sensitiveFiles),
      signature: (target) => `${target.uri.fsPath}\u0000${target.size}`,
      checking: vscode.l10n.t('Checking the files to publish with Kie File Upload'),
      publishing: (count) => (count === 1 ? vscode.l10n.t('Publishing 1 file with Kie File Upload') : vscode.l10n.t('Publishing {0} files with Kie File Upload', count)),
      confirmation: (targets, retention) => ({
        title: targets.length === 1 ? vscode.l10n.t('Publish 1 file at a public link?') : vscode.l10n.t('Publish {0} files at public links?', targets.length),
        lines: targets.map((target) => `${target.label} (${formatBytes(target.size)})`),
        intro: vscode.l10n.t('Kie File Upload will upload these workspace files. Anyone who has a link can open the file; the links expire in {0}.', retention),
      }),
      upload: (target, signal) => deps.uploads.uploadFile(target.uri, {}, { signal }),
      label: (target) => target.label,
    }),
    uploadUrls: new PublishTool<string>(deps, confirmed, {
      key: 'urls',
      plan: async (items) => planUrls(items),
      signature: (url) => url,
      checking: vscode.l10n.t('Checking the URLs to publish with Kie File Upload'),
      publishing: (count) => (count === 1 ? vscode.l10n.t('Publishing 1 URL with Kie File Upload') : vscode.l10n.t('Publishing {0} URLs with Kie File Upload', count)),
      confirmation: (targets, retention) => ({
        title: targets.length === 1 ? vscode.l10n.t('Publish a copy of 1 URL at a public link?') : vscode.l10n.t('Publish copies of {0} URLs at public links?', targets.length),
        lines: targets,
        intro: vscode.l10n.t('The Kie service will fetch these URLs and publish what it gets. Anyone who has a link can open the file; the links expire in {0}.', retention),
      }),
      upload: (url, signal) => deps.uploads.uploadUrl(url, {}, { signal }),
      label: (url) => url,
    }),
    recentUploads: new RecentUploadsTool(deps),
  };
}

interface PublishSpec<T> {
  key: 'paths' | 'urls';
  plan: (items: string[]) => Promise<Plan<T>>;
  /** What the user confirmed of a target: a file's real path and size, a URL. */
  signature: (target: T) => string;
  checking: string;
  publishing: (count: number) => string;
  confirmation: (targets: T[], retention: string) => { title: string; intro: string; lines: string[] };
  upload: (target: T, signal: AbortSignal) => Promise<UploadOutcome>;
  label: (target: T) => string;
}

/** A tool that publishes: asks first, naming everything; sends only what was confirmed. */
class PublishTool<T> implements vscode.LanguageModelTool<unknown> {
  constructor(
    private readonly deps: AgentToolDeps,
    private readonly confirmed: Confirmations,
    private readonly spec: PublishSpec<T>,
  ) {}

  async prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<unknown>): Promise<vscode.PreparedToolInvocation> {
    const checked = await this.check(options.input);
    if (!('targets' in checked)) {
      // Nothing will be published, so there is nothing to confirm: the invocation explains why.
      return { invocationMessage: this.spec.checking };
    }
    const { title, intro, lines } = this.spec.confirmation(checked.targets, retentionInWords(this.deps.getConfig().retentionHours));
    // Plain text: the dialog shown outside chat renders Markdown to text without undoing its escapes
    // (`notes\.md`), and a file name must show exactly as it is, with nothing in it formatted.
    const message = [intro, '', ...lines.map((line) => `- ${line.replace(/[\r\n]+/g, ' ')}`)].join('\n');
    this.confirmed.add(checked.key, checked.signature);
    return { invocationMessage: this.spec.publishing(checked.targets.length), confirmationMessages: { title, message } };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<unknown>, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    const checked = await this.check(options.input);
    if (!('targets' in checked)) {
      return textResult(checked.problem);
    }
    if (!this.confirmed.take(checked.key, checked.signature)) {
      return textResult(vscode.l10n.t('Nothing was published: what the tool would publish now is not what the user confirmed (a file changed, or no confirmation was asked). Call the tool again.'));
    }
    if (token.isCancellationRequested) {
      return textResult(vscode.l10n.t('Cancelled: nothing was published.'));
    }
    const abort = new AbortController();
    const listener = token.onCancellationRequested(() => abort.abort());
    try {
      const outcomes = await Promise.all(checked.targets.map((target) => this.spec.upload(target, abort.signal)));
      return textResult(describeOutcomes(checked.targets.map(this.spec.label), outcomes, this.now()));
    } finally {
      listener.dispose();
    }
  }

  /** Everything that must hold before anything is published; the same checks run twice. Never throws. */
  private async check(input: unknown): Promise<{ key: string; signature: string; targets: T[] } | { problem: string }> {
    try {
      return await this.checkOrThrow(input);
    } catch (error) {
      return { problem: vscode.l10n.t('Nothing was published: the input could not be checked ({0}).', (error as Error)?.message ?? String(error)) };
    }
  }

  private async checkOrThrow(input: unknown): Promise<{ key: string; signature: string; targets: T[] } | { problem: string }> {
    const list = readList(input, this.spec.key);
    if (list.problem) {
      return { problem: `${vscode.l10n.t('Nothing was published.')} ${list.problem}` };
    }
    const plan = await this.spec.plan(list.items);
    if (plan.refusals.length > 0) {
      return { problem: describeRefusals(plan.refusals) };
    }
    if (!(await this.deps.hasApiKey())) {
      return { problem: vscode.l10n.t('Nothing was published: no Kie API key is set. Ask the user to run "Kie File Upload: Set API Key" and then call the tool again.') };
    }
    return { key: JSON.stringify(list.items), signature: plan.targets.map(this.spec.signature).join('\n'), targets: plan.targets };
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

/**
 * What prepareInvocation asked the user to confirm, by input. The workbench calls invoke only after
 * the user confirmed, but a model's input is re-checked there: invoke publishes only if it is about
 * to send exactly what was shown. Declined confirmations are never taken; the oldest are dropped.
 */
class Confirmations {
  private readonly pending: Array<{ key: string; signature: string }> = [];

  add(key: string, signature: string): void {
    this.pending.push({ key, signature });
    if (this.pending.length > 50) {
      this.pending.shift();
    }
  }

  take(key: string, signature: string): boolean {
    const index = this.pending.findIndex((entry) => entry.key === key);
    if (index === -1) {
      return false;
    }
    const [entry] = this.pending.splice(index, 1);
    return entry.signature === signature;
  }
}

class RecentUploadsTool implements vscode.LanguageModelTool<RecentUploadsInput> {
  constructor(private readonly deps: AgentToolDeps) {}

  prepareInvocation(): vscode.PreparedToolInvocation {
    return { invocationMessage: vscode.l10n.t('Reading the recent Kie uploads') };
  }

  invoke(options: vscode.LanguageModelToolInvocationOptions<RecentUploadsInput>): vscode.LanguageModelToolResult {
    const input: Record<string, unknown> = options.input && typeof options.input === 'object' ? (options.input as unknown as Record<string, unknown>) : {};
    const now = this.deps.now?.() ?? Date.now();
    const within = positiveNumber(input.expiringWithinHours);
    if (input.expiringWithinHours !== undefined && within === undefined) {
      return textResult(vscode.l10n.t('"expiringWithinHours" must be a positive number of hours.'));
    }
    const includeExpired = input.includeExpired === true && within === undefined;
    const limit = Math.min(MAX_RECENT, Math.floor(positiveNumber(input.limit) ?? DEFAULT_RECENT)) || DEFAULT_RECENT;
    const all = this.deps.history.list();
    const matching = all.filter((record) => {
      const left = Date.parse(record.expiresAt) - now;
      if (within !== undefined) {
        return left > 0 && left <= within * HOUR;
      }
      return includeExpired || left > 0;
    });
    if (matching.length === 0) {
      if (within !== undefined) {
        return textResult(vscode.l10n.t('No upload expires within {0}.', hoursInWords(within)));
      }
      return textResult(all.length === 0 ? vscode.l10n.t('There are no recent uploads.') : vscode.l10n.t('There are no live uploads; {0} recent uploads have expired (pass "includeExpired": true to list them).', all.length));
    }
    if (within !== undefined) {
      matching.sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
    }
    const shown = matching.slice(0, limit);
    const heading =
      within !== undefined
        ? matching.length === 1
          ? vscode.l10n.t('1 upload expires within {0}:', hoursInWords(within))
          : vscode.l10n.t('{0} uploads expire within {1} (soonest first):', matching.length, hoursInWords(within))
        : matching.length === 1
          ? vscode.l10n.t('1 recent upload, its link is public:')
          : vscode.l10n.t('{0} recent uploads (newest first), the links are public:', matching.length);
    const lines = shown.map((record) => `- ${describeRecord(record, now)}; ${vscode.l10n.t('source: {0}', describeSource(record.source))}`);
    const more = matching.length > shown.length ? [vscode.l10n.t('({0} more not shown; pass a larger "limit".)', matching.length - shown.length)] : [];
    return textResult([heading, ...lines, ...more].join('\n'));
  }
}

function describeOutcomes(labels: readonly string[], outcomes: readonly UploadOutcome[], now: number): string {
  const published = outcomes.flatMap((outcome, index) => (outcome.record ? [`- ${describeRecord(outcome.record, now, labels[index])}`] : []));
  const failed = outcomes.flatMap((outcome, index) => (outcome.error ? [`- ${labels[index]}: ${outcome.error.message}`] : []));
  const parts: string[] = [];
  if (published.length > 0) {
    parts.push(
      published.length === 1
        ? vscode.l10n.t('Published 1 file with Kie File Upload. The link is public: anyone who has it can open the file.')
        : vscode.l10n.t('Published {0} files with Kie File Upload. The links are public: anyone who has one can open the file.', published.length),
      ...published,
    );
  }
  if (failed.length > 0) {
    parts.push(outcomes.every((outcome) => outcome.error?.code === 'cancelled') ? vscode.l10n.t('Cancelled: nothing was published.') : vscode.l10n.t('Not published:'), ...failed);
  }
  return parts.join('\n');
}

/** `docs/notes.md (41 B): https://… — expires in 2 d 23 h (2026-12-06T08:00:00.000Z)`; images as Markdown image links. */
function describeRecord(record: UploadRecord, now: number, label = record.fileName): string {
  const link = record.mimeType.startsWith('image/') ? markdownLink(record) : record.url;
  return `${label} (${formatBytes(record.fileSize)}): ${link} — ${describeExpiry(record.expiresAt, now)} (${record.expiresAt})`;
}

function describeSource(source: string): string {
  if (/^https?:\/\//i.test(source)) {
    return source;
  }
  if (source === 'data') {
    return vscode.l10n.t('pasted or dropped data');
  }
  try {
    return vscode.workspace.asRelativePath(vscode.Uri.parse(source, true), (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
  } catch {
    return source;
  }
}

function describeRefusals(refusals: readonly Refusal[]): string {
  return [vscode.l10n.t('Nothing was published. Leave these out or fix them, then call the tool again:'), ...refusals.map((refusal) => `- ${refusal.input}: ${refusal.reason}`)].join('\n');
}

/** "3 days" for the default 72 hours of retention. */
function retentionInWords(hours: number): string {
  if (hours % 24 === 0) {
    return hours === 24 ? vscode.l10n.t('1 day') : vscode.l10n.t('{0} days', hours / 24);
  }
  return hoursInWords(hours);
}

function hoursInWords(hours: number): string {
  return hours === 1 ? vscode.l10n.t('1 hour') : vscode.l10n.t('{0} hours', hours);
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function textResult(text: string): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
}
