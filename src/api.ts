import type * as vscode from 'vscode';
import type { ErrorCode, UploadOptions, UploadOutcome, UploadRecord } from './core/types';

/** What `activate()` returns to other extensions (fixed by INTERFACE.md). */
export interface KieUploadApi {
  /** Uploads local (or workspace) files; one outcome per URI, in order. Never rejects for an upload failure. */
  uploadFiles(uris: vscode.Uri[], options?: UploadOptions): Promise<UploadOutcome[]>;
  /** Asks the service to fetch a public http(s) URL. */
  uploadUrl(url: string, options?: UploadOptions): Promise<UploadOutcome>;
  /**
   * Asks the service to fetch each URL of a list (at most `kieUpload.maxConcurrentUploads` at once);
   * one outcome per entry, in order. Entries that are not http(s) URLs send nothing and carry their
   * reason; a URL listed twice is sent once and both entries share its outcome.
   */
  uploadUrls(urls: string[], options?: UploadOptions): Promise<UploadOutcome[]>;
  /** Uploads bytes through the base64 endpoint. */
  uploadData(data: Uint8Array, fileName: string, options?: UploadOptions): Promise<UploadOutcome>;
  /**
   * Downloads an upload's link into a hash and compares it with the hash taken when it was sent:
   * `'identical'`, `'changed'` (replaced by a later upload under the same name) or `'gone'` (expired,
   * or 404/410). Rejects for an unknown id, an upload without a recorded hash, or a network failure.
   */
  verify(id: string): Promise<'identical' | 'changed' | 'gone'>;
  /** The upload history, newest first. */
  history(): readonly UploadRecord[];
  onDidChangeHistory: vscode.Event<void>;
}

export type { ErrorCode, UploadOptions, UploadOutcome, UploadRecord };
