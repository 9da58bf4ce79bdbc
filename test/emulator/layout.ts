/**
 * URL layout of the emulator and the two documented success shapes.
 *
 *   POST /api/file-stream-upload | /api/file-base64-upload | /api/file-url-upload   the API
 *   GET  /files/<uploadPath>/<fileName>    a stored file by path (the quickstart's `fileUrl`,
 *                                          and the reference shape's path-style `downloadUrl`)
 *   GET  /download/<fileId>                a stored file by id (the quickstart's `downloadUrl`),
 *                                          served as an attachment
 */
import type { StoredFile } from './store';

export type ResponseShape = 'quickstart' | 'reference';

export type FileRoute = { kind: 'path'; uploadPath: string; fileName: string } | { kind: 'id'; fileId: string };

const FILES_PREFIX = '/files/';
const DOWNLOAD_PREFIX = '/download/';

export function isFileRoute(pathname: string): boolean {
  return pathname.startsWith(FILES_PREFIX) || pathname.startsWith(DOWNLOAD_PREFIX);
}

/** Decodes a file URL's path; undefined when it cannot name a stored file. */
export function parseFileRoute(pathname: string): FileRoute | undefined {
  if (pathname.startsWith(DOWNLOAD_PREFIX)) {
    const fileId = decode(pathname.slice(DOWNLOAD_PREFIX.length));
    return fileId && !fileId.includes('/') ? { kind: 'id', fileId } : undefined;
  }
  const segments = pathname.slice(FILES_PREFIX.length).split('/').map(decode);
  if (segments.length < 2 || segments.some((s) => !s)) {
    return undefined;
  }
  return { kind: 'path', uploadPath: segments.slice(0, -1).join('/'), fileName: segments[segments.length - 1] as string };
}

export function fileUrlOf(baseUrl: string, file: Pick<StoredFile, 'uploadPath' | 'fileName'>): string {
  const segments = [...file.uploadPath.split('/'), file.fileName].map(encodeURIComponent);
  return `${baseUrl}${FILES_PREFIX}${segments.join('/')}`;
}

export function downloadUrlOf(baseUrl: string, file: Pick<StoredFile, 'fileId'>): string {
  return `${baseUrl}${DOWNLOAD_PREFIX}${encodeURIComponent(file.fileId)}`;
}

/** The `data` of a success envelope, exactly in the documented shape. */
export function uploadData(file: StoredFile, shape: ResponseShape, baseUrl: string): Record<string, unknown> {
  if (shape === 'reference') {
    return {
      fileName: file.fileName,
      filePath: `${file.uploadPath}/${file.fileName}`,
      downloadUrl: fileUrlOf(baseUrl, file),
      fileSize: file.fileSize,
      mimeType: file.mimeType,
      uploadedAt: new Date(file.uploadedAtMs).toISOString(),
    };
  }
  return {
    fileId: file.fileId,
    fileName: file.fileName,
    originalName: file.originalName,
    fileSize: file.fileSize,
    mimeType: file.mimeType,
    uploadPath: file.uploadPath,
    fileUrl: fileUrlOf(baseUrl, file),
    downloadUrl: downloadUrlOf(baseUrl, file),
    uploadTime: isoSeconds(file.uploadedAtMs),
    expiresAt: isoSeconds(file.expiresAtMs),
  };
}

/** The quickstart shows times without milliseconds ("2025-01-15T10:30:00Z"); so do we. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
