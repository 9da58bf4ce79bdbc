/**
 * What happens to an image between the sensitive-file guard and the request: its location (or
 * all its metadata) removed, streamed from the file (`./metadata`), then `kieUpload.images.optimize`
 * (`./optimize`). Every local upload passes here: Explorer, palette, drop, paste, publish,
 * re-upload, keep-alive renewals, the API and the agent tools.
 */
import { promises as fs } from 'node:fs';
import * as l10n from '@vscode/l10n';
import { memorySource, piecesSource, type ByteSource, type HashOptions } from '../bodies';
import { UploadError } from '../errors';
import { readFully } from '../fileStat';
import type { Logger } from '../types';
import { applyPlan, DamagedImage, memoryAccess, planMetadataRemoval, type MetadataNote, type MetadataPlan, type MetadataSettings, type RandomAccess } from './metadata';
import { MAX_READ_BYTES, optimizeBeforeSend, turnUprightBeforeSend, willOptimise } from './optimize/beforeSend';

/** Reads larger than this share one buffer. */
const SHARED_READ = 64 * 1024;

export interface ImageSettings extends MetadataSettings {
  /** `kieUpload.images.optimize` as the user wrote it. */
  readonly optimize?: unknown;
  /** How a file streamed as edited ranges is hashed while it is sent (as `fileSource` hashes a file). */
  readonly hash?: HashOptions;
}

export interface PreparedImage {
  readonly source: ByteSource;
  readonly fileName: string;
  /** For the upload's summary and the record: "location removed", "3.3 MB → 538 KB, 1920 px wide, WebP". */
  readonly notes: string[];
}

function noteText(note: MetadataNote): string {
  switch (note) {
    case 'location':
      return l10n.t('location removed');
    case 'all':
      return l10n.t('all metadata removed');
    default:
      return l10n.t('turned upright');
  }
}

/**
 * Positioned reads of a file through one handle. Reads of the scan data (1 MiB at a time) share one
 * buffer, as RandomAccess allows: reading a 200 MB JPEG then adds no more than that buffer.
 */
async function openAccess(path: string): Promise<RandomAccess & { close(): Promise<void> }> {
  const handle = await fs.open(path, 'r');
  let scratch: Buffer | undefined;
  try {
    const { size } = await handle.stat();
    return {
      size,
      async read(position, length) {
        const wanted = Math.max(0, Math.min(length, size - position));
        if (wanted > SHARED_READ && (!scratch || scratch.length < wanted)) {
          scratch = Buffer.allocUnsafeSlow(wanted);
        }
        const buffer = wanted > SHARED_READ ? scratch!.subarray(0, wanted) : Buffer.allocUnsafe(wanted);
        return buffer.subarray(0, await readFully(handle, buffer, position));
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function damaged(fileName: string, error: DamagedImage): UploadError {
  return new UploadError(
    'invalid-input',
    l10n.t(
      '{0} looks damaged ({1}), so it could not be checked for location data. Nothing was sent. To send it as it is, turn off kieUpload.images.removeLocation and kieUpload.images.removeAllMetadata.',
      fileName,
      error.message,
    ),
  );
}

/**
 * The image as it is to be sent, or `undefined` when it goes as it is with nothing to say (not an
 * image, nothing found, every setting off). `whole` is the file's content when it was read already.
 * A damaged image is refused (`invalid-input`) rather than sent with what could be a location.
 */
export async function prepareImage(
  input: { readonly path?: string; readonly whole?: Uint8Array },
  fileName: string,
  settings: ImageSettings,
  logger: Logger,
): Promise<PreparedImage | undefined> {
  let bytes = input.whole;
  let source: ByteSource | undefined;
  const notes: string[] = [];
  if (settings.removeLocation || settings.removeAllMetadata) {
    await withAccess(input, async (access) => {
      const plan = await planOrRefuse(access, settings, fileName);
      if (plan?.changed) {
        if (bytes || plan.orientation > 1 || willOptimise(settings.optimize, fileName)) {
          bytes = await materialise(access, plan, fileName, bytes !== undefined);
        }
        source = bytes ? memorySource(bytes) : piecesSource(input.path!, plan.pieces, plan.size, settings.hash);
        notes.push(...plan.notes.map(noteText));
      }
      if (plan && plan.orientation > 1 && bytes) {
        bytes = await upright(bytes, plan, fileName);
        source = memorySource(bytes);
        notes.push(noteText('upright'));
      }
    });
  }
  const optimised = await optimizeBeforeSend(bytes ? { data: bytes } : { path: input.path }, fileName, settings.optimize, logger);
  if (optimised) {
    return { source: memorySource(optimised.data), fileName: optimised.fileName, notes: optimised.note ? [...notes, optimised.note] : notes };
  }
  return source ? { source, fileName, notes } : undefined;
}

/**
 * Whether the settings would change the file's metadata before it is sent (a place to remove, or
 * all metadata). A damaged image counts as changed: it is not sent as it is either.
 */
export async function wouldEditMetadata(input: { readonly path?: string; readonly whole?: Uint8Array }, settings: MetadataSettings): Promise<boolean> {
  if (!settings.removeLocation && !settings.removeAllMetadata) {
    return false;
  }
  return withAccess(input, (access) =>
    planMetadataRemoval(access, settings).then(
      (plan) => plan?.changed === true,
      (error: unknown) => {
        if (error instanceof DamagedImage) {
          return true;
        }
        throw error;
      },
    ),
  );
}

/** `use` with positioned reads of the input (the bytes in memory, or the file opened once and closed after). */
async function withAccess<T>(input: { readonly path?: string; readonly whole?: Uint8Array }, use: (access: RandomAccess) => Promise<T>): Promise<T> {
  const access: RandomAccess & { close?(): Promise<void> } = input.whole ? memoryAccess(input.whole) : await openAccess(input.path!);
  try {
    return await use(access);
  } finally {
    await access.close?.();
  }
}

async function upright(bytes: Uint8Array, plan: MetadataPlan, fileName: string): Promise<Uint8Array> {
  if (plan.format === 'heif' || plan.format === 'tiff' || plan.format === 'mp4') {
    return bytes; // shown turned by the container's own property (irot, a track's matrix), never by Exif
  }
  try {
    return await turnUprightBeforeSend(bytes, plan.format, plan.orientation);
  } catch (error) {
    throw new UploadError(
      'invalid-input',
      l10n.t('{0} could not be turned upright once its metadata was removed ({1}). Nothing was sent.', fileName, (error as Error).message),
    );
  }
}

async function planOrRefuse(access: RandomAccess, settings: ImageSettings, fileName: string): Promise<MetadataPlan | undefined> {
  try {
    return await planMetadataRemoval(access, settings);
  } catch (error) {
    throw error instanceof DamagedImage ? damaged(fileName, error) : error;
  }
}

/**
 * The plan's bytes in memory: for an image held in memory already, or one to be decoded (turned
 * upright, optimised). Decoding a file too large to read refuses it when it must be turned.
 */
async function materialise(access: RandomAccess, plan: MetadataPlan, fileName: string, inMemory: boolean): Promise<Uint8Array | undefined> {
  if (inMemory || plan.size <= MAX_READ_BYTES) {
    return applyPlan(access, plan);
  }
  if (plan.orientation > 1) {
    throw new UploadError(
      'too-large',
      l10n.t('{0} is too large to be turned upright once its metadata is removed. Nothing was sent. Turn off kieUpload.images.removeAllMetadata to send it with its orientation.', fileName),
    );
  }
  return undefined;
}
