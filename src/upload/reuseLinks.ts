import * as vscode from 'vscode';
import { mapConcurrent } from '../core/pool';
import type { UploadRecord } from '../core/types';
import type { UploadService } from './uploadService';

/** What the Reuse Link question shows: each file that already has a live link, and that link. */
export interface ReuseQuestion {
  files: Array<{ name: string; record: UploadRecord }>;
}

/** The person's answer: reuse the live links, upload again anyway, or stop (nothing is sent). */
export type ReuseAnswer = 'reuse' | 'upload' | undefined;

export type AskReuse = (question: ReuseQuestion) => Promise<ReuseAnswer>;

/**
 * Before a person's upload: the files whose very bytes already have a live link in Recent Uploads
 * (longer left than `kieUpload.expiryWarningHours`), by URI string, with the links to reuse. Asks
 * once for the whole batch; undefined when the person closed the question (upload nothing).
 */
export async function offerReuse(
  uploads: UploadService,
  files: ReadonlyArray<{ uri: vscode.Uri }>,
  ask: AskReuse = showReuseQuestion,
): Promise<Map<string, UploadRecord> | undefined> {
  const found = await mapConcurrent(files, 4, async ({ uri }) => ({ uri, record: await uploads.liveCopyOfFile(uri) }));
  const live = found.filter((entry): entry is { uri: vscode.Uri; record: UploadRecord } => entry.record !== undefined);
  if (live.length === 0) {
    return new Map();
  }
  const answer = await ask({ files: live.map(({ uri, record }) => ({ name: uri.path.slice(uri.path.lastIndexOf('/') + 1), record })) });
  if (answer === undefined) {
    return undefined;
  }
  return new Map(answer === 'reuse' ? live.map(({ uri, record }) => [uri.toString(), record]) : []);
}

export async function showReuseQuestion(question: ReuseQuestion): Promise<ReuseAnswer> {
  const reuse = vscode.l10n.t('Reuse Link');
  const again = vscode.l10n.t('Upload Again');
  const [first] = question.files;
  const message =
    question.files.length === 1
      ? vscode.l10n.t('{0} was uploaded before, and its link still serves these exact bytes until {1}.', first.name, new Date(first.record.expiresAt).toLocaleString())
      : vscode.l10n.t('{0} of these files were uploaded before, and their links still serve these exact bytes: {1}.', question.files.length, question.files.map((file) => file.name).join(', '));
  const choice = await vscode.window.showInformationMessage(
    message,
    { modal: true, detail: vscode.l10n.t('Reuse Link sends nothing and uses the live link; Upload Again makes a new link with a fresh expiry.') },
    reuse,
    again,
  );
  return choice === reuse ? 'reuse' : choice === again ? 'upload' : undefined;
}
