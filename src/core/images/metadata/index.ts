/**
 * Location (or all metadata) removed from a JPEG, PNG, WebP, HEIC/HEIF or AVIF image, a TIFF or
 * camera raw file (location only), or an MP4 or QuickTime video, before it is sent, without reading
 * the image whole: see `plan.ts`. The format is told by the bytes, not by the file's name.
 */
import { isHeif, planHeif } from './heif';
import { planJpeg, type Mode } from './jpeg';
import { isIsoMedia, planMp4 } from './mp4';
import { isTiff, planTiff } from './tiffFile';
import { DamagedImage, PlanBuilder, type MetadataNote, type Piece, type RandomAccess } from './plan';
import { isPng, planPng } from './png';
import { isWebp, planWebp } from './webp';

export { DamagedImage, memoryAccess, type MetadataNote, type Piece, type RandomAccess } from './plan';

/** The formats whose metadata is read: images, and MP4/QuickTime videos (`mp4`). */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'heif' | 'tiff' | 'mp4';

export interface MetadataSettings {
  /** `kieUpload.images.removeLocation`. */
  readonly removeLocation: boolean;
  /** `kieUpload.images.removeAllMetadata`. */
  readonly removeAllMetadata: boolean;
}

export interface MetadataPlan {
  readonly format: ImageFormat;
  /** What to send, in order; the original's ranges and new bytes. */
  readonly pieces: readonly Piece[];
  readonly size: number;
  /** Whether anything differs from the original. */
  readonly changed: boolean;
  readonly notes: readonly MetadataNote[];
  /** The Exif orientation that was removed with all metadata (1 when none): the pixels must then be turned. */
  readonly orientation: number;
}

/** The format `head` (the file's first 12 bytes) starts, for a file of `size` bytes. */
export function imageFormat(head: Uint8Array, size = Number.MAX_SAFE_INTEGER): ImageFormat | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
    return 'jpeg';
  }
  if (isPng(head)) {
    return 'png';
  }
  if (isWebp(head)) {
    return 'webp';
  }
  if (isHeif(head)) {
    return 'heif';
  }
  if (isTiff(head)) {
    return 'tiff';
  }
  return isIsoMedia(head, size) ? 'mp4' : undefined;
}

/**
 * The plan for an image under the settings, or `undefined` when there is nothing to do (neither
 * setting on, or not an image). Throws {@link DamagedImage} when the image is broken where its
 * metadata is, so that it cannot be shown to hold no location.
 */
export async function planMetadataRemoval(source: RandomAccess, settings: MetadataSettings): Promise<MetadataPlan | undefined> {
  const mode: Mode | undefined = settings.removeAllMetadata ? 'all' : settings.removeLocation ? 'location' : undefined;
  if (!mode || source.size < 12) {
    return undefined;
  }
  const format = imageFormat(Uint8Array.from(await source.read(0, 12)), source.size);
  if (!format) {
    return undefined;
  }
  const plan = new PlanBuilder();
  const walk = { jpeg: planJpeg, png: planPng, webp: planWebp, heif: planHeif, tiff: planTiff, mp4: planMp4 }[format];
  let orientation: number;
  try {
    ({ orientation } = await walk(source, plan, mode));
  } catch (error) {
    // A DataView read out of bounds: an offset in the metadata that points nowhere.
    throw error instanceof RangeError ? new DamagedImage(error.message) : error;
  }
  // TIFF and camera raw files keep the metadata a raw converter needs (see tiffFile.ts).
  if (mode === 'all' && plan.changed && format !== 'tiff') {
    plan.notes.add('all');
  }
  return { format, pieces: plan.pieces, size: plan.size, changed: plan.changed, notes: [...plan.notes], orientation };
}

/** The plan's bytes in one buffer (for an image held in memory, or one that is decoded next). */
export async function applyPlan(source: RandomAccess, plan: MetadataPlan): Promise<Uint8Array> {
  const out = new Uint8Array(plan.size);
  let at = 0;
  for (const piece of plan.pieces) {
    const bytes = piece instanceof Uint8Array ? piece : await source.read(piece.start, piece.end - piece.start);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}
