/**
 * The emulator's file storage: bytes on disk, one metadata record per stored file, expiry.
 *
 * Layout below the storage directory:
 *   files/<uploadPath>/<fileName>   the stored bytes
 *   meta/<fileId>.json              the record, so a `--storage` directory survives restarts
 *   tmp/                            uploads in progress (streamed here, then renamed into place)
 *   spare/                          with `reuseDeletedFiles`: one deleted file, kept to write over
 *
 * Client-supplied names only ever reach `files/` after validation (see names.ts), and lookups go
 * through the in-memory index, never straight from a request path to the file system.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiError } from './http';
import { checkFileName, checkUploadPath, newFileId } from './names';

/** One stored file, as the emulator remembers it. */
export interface StoredFile {
  fileId: string;
  fileName: string;
  originalName: string;
  uploadPath: string;
  fileSize: number;
  mimeType: string;
  uploadedAtMs: number;
  expiresAtMs: number;
}

/** An upload whose bytes are already on disk in the temp area, ready to be committed. */
export interface StagedUpload {
  tempPath: string;
  fileSize: number;
  uploadPath: string;
  fileName: string;
  originalName: string;
  mimeType: string;
}

export interface StoreOptions {
  /** Existing or new directory to keep; undefined: a fresh temp dir, removed on close. */
  dir?: string;
  retentionMs: number;
  now: () => number;
  /** Keep the largest deleted file to write the next upload over (see {@link FileStore.takeSpareFile}). */
  reuseDeletedFiles?: boolean;
}

const SWEEP_INTERVAL_MS = 60_000;
/** Smaller deleted files are not worth keeping for reuse. */
const MIN_SPARE_BYTES = 1024 * 1024;

export class FileStore {
  private readonly byId = new Map<string, StoredFile>();
  private readonly byKey = new Map<string, StoredFile>();
  /** Commits and deletions run one at a time, so disk and index never disagree. */
  private serial: Promise<unknown> = Promise.resolve();
  private readonly sweepTimer: NodeJS.Timeout;
  /** A deleted file kept for reuse, and its size. */
  private spare: { path: string; size: number } | undefined;
  private closed = false;

  private constructor(
    readonly root: string,
    private readonly ownsRoot: boolean,
    private readonly options: StoreOptions,
  ) {
    // A periodic sweep deletes expired files even when nobody asks for them; unref'd so a
    // forgotten emulator never keeps a test process alive.
    this.sweepTimer = setInterval(() => this.sweep().catch(() => undefined), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  static async open(options: StoreOptions): Promise<FileStore> {
    const ownsRoot = !options.dir;
    const root = options.dir ? path.resolve(options.dir) : await mkdtemp(path.join(os.tmpdir(), 'kie-emulator-'));
    // Leftovers of uploads interrupted by a crash are useless: start the temp areas empty.
    await Promise.all(TEMP_AREAS.map((sub) => rm(path.join(root, sub), { recursive: true, force: true })));
    await Promise.all(['files', 'meta', ...TEMP_AREAS].map((sub) => mkdir(path.join(root, sub), { recursive: true })));
    const store = new FileStore(root, ownsRoot, options);
    await store.loadIndex();
    return store;
  }

  /** A fresh, unused path in the temp area for an upload in progress. */
  newTempPath(): string {
    return path.join(this.root, 'tmp', `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
  }

  /**
   * With `reuseDeletedFiles`, for an upload of about `expectedBytes` (1 MiB or more): the path of
   * a deleted file to write it over (then truncate), which becomes the caller's to commit or
   * remove. Otherwise undefined.
   *
   * Why: the pages of a file still in the page cache can be overwritten without allocating
   * memory. On a virtual machine that hands idle free memory back to its host, filling fresh
   * page cache costs several times more CPU (measured here: 1 GiB over a kept file's pages in
   * 0.12 s, into a new file 0.5–2.3 s), enough to make the emulator the slowest part of a
   * benchmark that deletes each 1 GiB upload before the next. The price: the kept file's bytes
   * are written back to disk like any others, where a deleted file's never are.
   */
  takeSpareFile(expectedBytes: number): string | undefined {
    // A small upload would only truncate the kept pages away.
    if (!this.spare || !(expectedBytes >= MIN_SPARE_BYTES)) {
      return undefined;
    }
    const { path: spare } = this.spare;
    this.spare = undefined;
    return spare;
  }

  /**
   * Moves a staged upload into place and records it. The same uploadPath + fileName replaces
   * the previous file (the old fileId stops resolving; the path-based URL serves the new bytes).
   */
  commit(staged: StagedUpload): Promise<StoredFile> {
    return this.exclusive(async () => {
      try {
        if (this.closed) {
          throw new ApiError(503, 'Emulator is shutting down');
        }
        await this.moveIntoPlace(staged);
      } catch (err) {
        await rm(staged.tempPath, { force: true });
        throw err;
      }
      const uploadedAtMs = this.options.now();
      const record: StoredFile = {
        fileId: newFileId(),
        fileName: staged.fileName,
        originalName: staged.originalName,
        uploadPath: staged.uploadPath,
        fileSize: staged.fileSize,
        mimeType: staged.mimeType,
        uploadedAtMs,
        expiresAtMs: uploadedAtMs + this.options.retentionMs,
      };
      const previous = this.byKey.get(keyOf(record));
      if (previous) {
        await this.forget(previous);
      }
      this.byId.set(record.fileId, record);
      this.byKey.set(keyOf(record), record);
      await writeFile(this.metaPath(record.fileId), JSON.stringify(record));
      return record;
    });
  }

  /** The live record for a fileId; an expired one is deleted and reported as absent. */
  findById(fileId: string): StoredFile | undefined {
    return this.live(this.byId.get(fileId));
  }

  /** The live record stored under uploadPath/fileName. */
  findByPath(uploadPath: string, fileName: string): StoredFile | undefined {
    return this.live(this.byKey.get(keyOf({ uploadPath, fileName })));
  }

  /** Absolute path of a record's bytes. */
  diskPath(record: Pick<StoredFile, 'uploadPath' | 'fileName'>): string {
    const filesRoot = path.join(this.root, 'files');
    const resolved = path.join(filesRoot, ...record.uploadPath.split('/'), record.fileName);
    // Names were validated on the way in; this is the last line of defence, not the first.
    if (!resolved.startsWith(filesRoot + path.sep)) {
      throw new Error(`refusing path outside storage: ${resolved}`);
    }
    return resolved;
  }

  /** Live records, oldest first. */
  list(): StoredFile[] {
    const now = this.options.now();
    return [...this.byId.values()].filter((r) => now < r.expiresAtMs).map((r) => ({ ...r }));
  }

  /** Deletes every file whose expiry has passed by the (injectable) clock. */
  sweep(): Promise<void> {
    const now = this.options.now();
    const expired = [...this.byId.values()].filter((r) => now >= r.expiresAtMs);
    return this.exclusive(async () => {
      for (const record of expired) {
        await this.forget(record, true);
      }
    });
  }

  /** Stops the sweep, waits for pending writes, and removes the directory if it was ours. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    clearInterval(this.sweepTimer);
    await this.exclusive(async () => undefined);
    this.spare = undefined;
    if (this.ownsRoot) {
      await rm(this.root, { recursive: true, force: true });
    } else {
      await Promise.all(TEMP_AREAS.map((sub) => rm(path.join(this.root, sub), { recursive: true, force: true })));
    }
  }

  private live(record: StoredFile | undefined): StoredFile | undefined {
    if (record && this.options.now() >= record.expiresAtMs) {
      // Deleting is housekeeping: the caller already treats the file as gone.
      this.exclusive(() => this.forget(record, true)).catch(() => undefined);
      return undefined;
    }
    return record;
  }

  private async moveIntoPlace(staged: StagedUpload): Promise<void> {
    const target = this.diskPath(staged);
    try {
      await mkdir(path.dirname(target), { recursive: true });
    } catch (err) {
      throw conflictOr(err, 'uploadPath runs through an existing file');
    }
    try {
      await rename(staged.tempPath, target);
    } catch (err) {
      throw conflictOr(err, 'fileName names an existing folder');
    }
  }

  /** Drops a record (and its bytes when `deleteBytes`; an overwrite has already replaced them). */
  private async forget(record: StoredFile, deleteBytes = false): Promise<void> {
    if (this.byId.get(record.fileId) !== record) {
      return; // already replaced or removed
    }
    this.byId.delete(record.fileId);
    if (this.byKey.get(keyOf(record)) === record) {
      this.byKey.delete(keyOf(record));
    }
    await rm(this.metaPath(record.fileId), { force: true });
    if (deleteBytes) {
      await this.deleteBytes(this.diskPath(record), record.fileSize);
    }
  }

  /** Removes a deleted file's bytes, or keeps them as the spare file (see takeSpareFile). */
  private async deleteBytes(file: string, size: number): Promise<void> {
    if (!this.options.reuseDeletedFiles || this.closed || size < MIN_SPARE_BYTES || size <= (this.spare?.size ?? 0)) {
      await rm(file, { force: true });
      return;
    }
    const kept = path.join(this.root, 'spare', `${Date.now()}-${randomBytes(8).toString('hex')}`);
    try {
      await rename(file, kept);
    } catch {
      await rm(file, { force: true });
      return;
    }
    const previous = this.spare;
    this.spare = { path: kept, size };
    if (previous) {
      await rm(previous.path, { force: true });
    }
  }

  private async loadIndex(): Promise<void> {
    for (const entry of await readdir(path.join(this.root, 'meta'))) {
      const record = await readRecord(path.join(this.root, 'meta', entry));
      const current = record && this.byKey.get(keyOf(record));
      if (!record || (current && current.uploadedAtMs >= record.uploadedAtMs) || !existsSync(this.diskPath(record))) {
        continue;
      }
      if (current) {
        this.byId.delete(current.fileId);
      }
      this.byId.set(record.fileId, record);
      this.byKey.set(keyOf(record), record);
    }
    await this.sweep();
  }

  private metaPath(fileId: string): string {
    return path.join(this.root, 'meta', `${fileId}.json`);
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.serial.then(task);
    this.serial = result.catch(() => undefined);
    return result;
  }
}

/** Working areas below the storage directory, emptied on open and on close. */
const TEMP_AREAS = ['tmp', 'spare'];

function keyOf(record: { uploadPath: string; fileName: string }): string {
  return `${record.uploadPath}/${record.fileName}`;
}

/** A metadata file from a previous run, or undefined when it is unreadable or not trustworthy. */
async function readRecord(file: string): Promise<StoredFile | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as StoredFile;
    // Re-validate the names: a hand-edited index must not point outside the storage directory.
    const valid =
      typeof record.fileId === 'string' &&
      typeof record.expiresAtMs === 'number' &&
      checkUploadPath(record.uploadPath) === record.uploadPath &&
      checkFileName(record.fileName) === record.fileName;
    return valid ? record : undefined;
  } catch {
    return undefined;
  }
}

/** File-system collisions between a file and a folder are the client's fault: 400. */
function conflictOr(err: unknown, message: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTEMPTY'
    ? new ApiError(400, message)
    : err;
}
