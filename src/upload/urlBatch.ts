import * as vscode from 'vscode';
import type { UploadOptions, UploadOutcome } from '../core/types';
import { describeProblems, outcomesForPlan, planUrls } from '../core/urlList';
import type { UploadFlow } from './uploadFlow';
import { failedEntry, type UploadService } from './uploadService';

export interface UrlBatchDeps {
  uploads: UploadService;
  flow: UploadFlow;
}

/**
 * Uploads a list of URLs the way a batch of files goes (one progress notification, at most
 * `maxConcurrentUploads` at once, failures summarised with Retry Failed); one outcome per entry.
 * The list is checked first: entries that are not usable URLs are named and not sent, a URL listed
 * twice is sent once, and names that would replace each other stop the batch before any request.
 */
export async function runUrlBatch(deps: UrlBatchDeps, inputs: readonly unknown[], options: UploadOptions, interactive: boolean): Promise<UploadOutcome[]> {
  const plan = planUrls(inputs);
  const clash = deps.uploads.urlNameClash(plan.unique, options);
  if (clash) {
    if (interactive) {
      void vscode.window.showErrorMessage(clash);
    }
    return plan.entries.map((entry) => ({ source: entry.input, error: { code: 'invalid-input', message: clash } }));
  }
  const problems = describeProblems(plan);
  if (problems && interactive) {
    void vscode.window.showWarningMessage(
      plan.unique.length > 0 ? vscode.l10n.t('Uploading {0} of {1} URLs. {2}', plan.unique.length, plan.entries.length, problems) : vscode.l10n.t('Nothing was uploaded. {0}', problems),
    );
  }
  if (plan.unique.length === 0) {
    return outcomesForPlan(plan, [], failedEntry);
  }
  const jobs = plan.unique.map((url) => ({ label: shortLabel(url), size: 0, start: (controls: Parameters<UploadService['uploadUrl']>[2]) => deps.uploads.uploadUrl(url, options, controls) }));
  const sent = await deps.flow.run(jobs, { interactive });
  return outcomesForPlan(plan, sent, failedEntry);
}

export function shortLabel(url: string): string {
  return url.length > 60 ? `${url.slice(0, 57)}...` : url;
}
