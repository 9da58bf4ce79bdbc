import * as vscode from 'vscode';
import type { UploadHistory } from '../core/history';
import type { KeepAliveService } from '../history/keepAlive';
import type { DocumentPublisher } from '../markdown/publishDocument';
import type { KieConfig } from '../platform/config';
import type { KeyStore } from '../platform/keyStore';
import { reuploadRecords } from '../upload/reupload';
import type { AskReuse } from '../upload/reuseLinks';
import type { UploadFlow } from '../upload/uploadFlow';
import type { UploadService } from '../upload/uploadService';
import type { UploadStatus } from '../upload/uploadStatus';
import type { RecentUploadsProvider } from '../views/recentUploadsView';
import { CancelUploadsCommand } from './cancelUploadsCommand';
import { ClearApiKeyCommand } from './clearApiKeyCommand';
import type { Command } from './command';
import { DownloadToWorkspaceCommand } from './downloadCommand';
import { ClearExpiredCommand, RefreshCommand } from './historyCommands';
import { KeepAliveCommand } from './keepAliveCommand';
import { CopyDownloadLinkCommand, CopyLinkCommand, CopyMarkdownLinkCommand, InsertLinkCommand, OpenInBrowserCommand, RemoveFromHistoryCommand } from './linkCommands';
import { ReuploadCommand } from './reuploadCommand';
import { ReuploadLinkCommand } from './reuploadLinkCommand';
import { SetApiKeyCommand } from './setApiKeyCommand';
import { StopKeepAliveCommand } from './stopKeepAliveCommand';
import { UploadActiveFileCommand } from './uploadActiveFileCommand';
import { UploadFilesCommand, UploadFromExplorerCommand } from './uploadFilesCommand';
import { UploadLocalImagesCommand } from './uploadLocalImagesCommand';
import { UploadUrlCommand } from './uploadUrlCommand';
import { UploadUrlsInSelectionCommand } from './uploadUrlsInSelectionCommand';
import { VerifyLinkCommand, type VerifyReport } from './verifyLinkCommand';

/** What the commands act on: the services extension.ts builds. */
export interface CommandServices {
  keys: KeyStore;
  getConfig: () => KieConfig;
  history: UploadHistory;
  uploads: UploadService;
  flow: UploadFlow;
  status: UploadStatus;
  recentUploads: RecentUploadsProvider;
  publisher: DocumentPublisher;
  keepAlive: KeepAliveService;
  /** Stands in for the Reuse Link question (test mode only). */
  askReuse?: AskReuse;
  /** Sees Verify Link's warnings about broken links (test mode only). */
  onVerifyReport?: (report: VerifyReport) => void;
}

/** Every command the manifest contributes, one module each (an integration test checks both lists match). */
export function allCommands(services: CommandServices): Command[] {
  const { keys, getConfig, history, uploads, flow, status } = services;
  const uploadDeps = { uploads, flow, askReuse: services.askReuse };
  return [
    new UploadFilesCommand(uploadDeps),
    new UploadFromExplorerCommand(uploadDeps),
    new UploadActiveFileCommand(uploadDeps),
    new UploadUrlCommand({ ...uploadDeps, getConfig }),
    new UploadUrlsInSelectionCommand(uploadDeps),
    new CancelUploadsCommand(status),
    new SetApiKeyCommand(keys),
    new ClearApiKeyCommand(keys),
    new CopyLinkCommand(history),
    new CopyDownloadLinkCommand(history),
    new CopyMarkdownLinkCommand(history),
    new InsertLinkCommand(history),
    new OpenInBrowserCommand(history),
    new DownloadToWorkspaceCommand(history, { uploads, status }),
    new ReuploadCommand(history, uploadDeps),
    new RemoveFromHistoryCommand(history),
    new VerifyLinkCommand(history, uploads, (records) => reuploadRecords(uploadDeps, records), services.onVerifyReport),
    new ClearExpiredCommand(history),
    new RefreshCommand(history, services.recentUploads),
    new UploadLocalImagesCommand(services.publisher),
    new ReuploadLinkCommand(history, async (record) => (await reuploadRecords(uploadDeps, [record]))[0]),
    new KeepAliveCommand(history, services.keepAlive),
    new StopKeepAliveCommand(history, services.keepAlive),
  ];
}

export function registerCommands(services: CommandServices): vscode.Disposable {
  return vscode.Disposable.from(...allCommands(services).map((command) => vscode.commands.registerCommand(command.id, (...args: unknown[]) => command.execute(...args))));
}

