/**
 * Public data shapes of the extension (fixed by the project's INTERFACE.md).
 * Nothing in `src/core` imports `vscode`; these types are shared by the core and the glue.
 */

/** How a file reached the service. */
export type UploadMethod = 'stream' | 'base64' | 'url';

/** Why an upload failed. */
export type ErrorCode =
  | 'unauthorized'
  | 'bad-request'
  | 'method-not-allowed'
  | 'server'
  | 'network'
  | 'timeout'
  | 'cancelled'
  | 'protocol'
  | 'too-large'
  | 'invalid-input'
  | 'not-found'
  | 'no-api-key'
  /** The sensitive-file guard held the file back (it looks like it holds a secret); nothing was sent. */
  | 'sensitive';

/** One successful upload, as kept in the history. */
export interface UploadRecord {
  id: string;
  fileName: string;
  fileSize: number;
  mimeType: string;
  uploadPath: string;
  /** The link to share: `fileUrl` when the service gave one, else `downloadUrl`. */
  url: string;
  downloadUrl: string;
  /** ISO 8601. */
  uploadedAt: string;
  /** ISO 8601: the service's value, else `uploadedAt` + the retention setting. */
  expiresAt: string;
  method: UploadMethod;
  /** The local file's URI string, the remote URL, or `'data'`. */
  source: string;
  /** Hex SHA-256 of the bytes sent (the hosted file's bytes), when known. */
  sha256?: string;
  /**
   * Hex SHA-256 of the local file or data the upload was made from, when the bytes sent differ
   * from it (an image whose location was removed, or optimised): Reuse Link matches either.
   */
  sourceSha256?: string;
  /** ISO 8601: the link is renewed (re-uploaded with the same bytes) until this date. */
  keepAliveUntil?: string;
  /**
   * What was done to the bytes before sending, one short phrase each (e.g. "location removed",
   * "1.9 MB → 310 KB, 1920 px wide, WebP"). Absent when the file was sent as it was.
   */
  notes?: string[];
}

/** Per-call choices; everything else comes from the settings. */
export interface UploadOptions {
  fileName?: string;
  uploadPath?: string;
  method?: 'stream' | 'base64';
  /**
   * Send a file even if it looks like it holds a secret (a private key, `.env`, credentials). Without
   * it such uploads resolve with the error code `'sensitive'` and send nothing. Only `true` counts.
   */
  allowSensitive?: boolean;
  /**
   * Keep the link alive until this date (ISO 8601, at most 30 days ahead): it is renewed with the
   * same bytes before it expires. A date that is not valid fails the upload with `invalid-input`.
   */
  keepAliveUntil?: string;
  /**
   * Bytes identical to an upload in the history whose link stays alive for longer than
   * `kieUpload.expiryWarningHours`: resolve with that record and send nothing. Only `true` counts.
   */
  reuseLiveLink?: boolean;
}

/** The result of one upload: a record, or an error. Never both. */
export interface UploadOutcome {
  source: string;
  record?: UploadRecord;
  error?: { code: ErrorCode; message: string };
}

/** Byte progress of one upload. `total` is exact: bodies are sent with a Content-Length. */
export type ProgressListener = (sentBytes: number, totalBytes: number) => void;

/** The logging the core needs; the glue passes a LogOutputChannel, tests a null logger. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const nullLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
