import type * as vscode from 'vscode';
import type { ErrorCode, UploadOptions, UploadOutcome, UploadRecord } from './core/types';

/** What `activate()` returns to other extensions (fixed by INTERFACE.md). */
export interface KieUploadApi {
  /** Uploads local (or workspace) files; one outcome per URI, in order. Never rejects for an upload failure. */
  uploadFiles(uris: vscode.Uri[], options?: UploadOptions): Promise<UploadOutcome[]>;
  /** Asks the service to fetch a public http(s) URL. */
  uploadUrl(url: string, options?: UploadOptions): Promise<UploadOutcome>;
  /** Uploads bytes through the base64 endpoint. */
  uploadData(data: Uint8Array, fileName: string, options?: UploadOptions): Promise<UploadOutcome>;
  /** The upload history, newest first. */
  history(): readonly UploadRecord[];
  onDidChangeHistory: vscode.Event<void>;
}

export type { ErrorCode, UploadOptions, UploadOutcome, UploadRecord };
