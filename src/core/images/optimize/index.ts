/**
 * The entry of `dist/images.js`: an image made smaller before upload, or the original with a note
 * saying why not. Never throws: a codec's failure sends the original.
 */
import { codecs, type RawImage } from './codecs';
import { colourProfile, withColourProfile } from '../metadata/profile';
import { applyOrientation, jpegOrientation } from './orientation';
import { MAX_PIXELS, type OptimizeSpec } from './settings';
import { looksComplete, sniffImage, type ImageKind } from './sniff';

export interface OptimizeResult {
  /** The bytes to send: the optimised image, or the original when nothing better was made. */
  readonly bytes: Uint8Array;
  /** The file name to send (its extension follows a changed format: `photo.jpg` → `photo.webp`). */
  readonly fileName: string;
  readonly changed: boolean;
  /**
   * What was done, for the upload summary and the history tooltip ("1.9 MB → 310 KB, 1920 px wide,
   * WebP"); the engine words it in the editor's language (see `describeOptimisation`).
   */
  readonly facts?: OptimizeFacts;
  /** A codec's error message, for the log, when the original was sent because of it. */
  readonly error?: string;
}

export type OptimizeFacts =
  | { readonly kind: 'resized'; readonly before: number; readonly after: number; readonly width: number; readonly format: string }
  | { readonly kind: 'lossless'; readonly before: number; readonly after: number }
  | { readonly kind: 'too-many-pixels'; readonly width: number; readonly height: number; readonly limitMp: number };

const LABEL: Record<ImageKind, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP' };
const EXTENSION: Record<ImageKind, string> = { png: '.png', jpeg: '.jpg', webp: '.webp' };

function renamed(fileName: string, from: ImageKind, to: ImageKind): string {
  if (from === to) {
    return fileName;
  }
  const dot = fileName.lastIndexOf('.');
  return (dot > 0 ? fileName.slice(0, dot) : fileName) + EXTENSION[to];
}

/** The size that fits within the preset's bounds, keeping the aspect ratio (never enlarged). */
export function fitWithin(width: number, height: number, maxWidth?: number, maxHeight?: number): { width: number; height: number } {
  const scale = Math.min(1, maxWidth ? maxWidth / width : 1, maxHeight ? maxHeight / height : 1);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

async function reencode(bytes: Uint8Array, kind: ImageKind, spec: Extract<OptimizeSpec, { kind: 'preset' }>): Promise<{ bytes: Uint8Array; kind: ImageKind; width: number }> {
  const c = await codecs();
  let image: RawImage = await c.decode(kind, bytes);
  if (kind === 'jpeg') {
    image = applyOrientation(image, jpegOrientation(bytes));
  }
  const size = fitWithin(image.width, image.height, spec.maxWidth, spec.maxHeight);
  if (size.width !== image.width || size.height !== image.height) {
    image = await c.resize(image, size.width, size.height);
  }
  const target: ImageKind = spec.format === 'keep' ? kind : spec.format;
  return { bytes: await c.encode(target, image, spec.quality), kind: target, width: image.width };
}

/** `bytes` optimised per `spec`; the original (with facts when they matter) whenever that is not smaller. */
export async function optimizeImage(bytes: Uint8Array, fileName: string, spec: OptimizeSpec): Promise<OptimizeResult> {
  const original: OptimizeResult = { bytes, fileName, changed: false };
  const header = sniffImage(bytes);
  if (spec.kind === 'off' || !header) {
    return original;
  }
  if (header.width * header.height > MAX_PIXELS) {
    return { ...original, facts: { kind: 'too-many-pixels', width: header.width, height: header.height, limitMp: MAX_PIXELS / 1_000_000 } };
  }
  if (!looksComplete(bytes, header.kind)) {
    return { ...original, error: `the ${LABEL[header.kind]} image is cut short; it is sent as it is` };
  }
  try {
    if (spec.kind === 'lossless') {
      // jSquash has no lossless JPEG transcoder (jpegtran); a decode and re-encode would lose
      // quality, so only PNG is optimised losslessly (oxipng keeps every pixel).
      if (header.kind !== 'png') {
        return original;
      }
      const out = await (await codecs()).losslessPng(bytes);
      return out.length < bytes.length
        ? { bytes: out, fileName, changed: true, facts: { kind: 'lossless', before: bytes.length, after: out.length } }
        : original;
    }
    const out = await reencode(bytes, header.kind, spec);
    if (out.bytes.length >= bytes.length) {
      return original;
    }
    const facts: OptimizeFacts = { kind: 'resized', before: bytes.length, after: out.bytes.length, width: out.width, format: LABEL[out.kind] };
    return { bytes: out.bytes, fileName: renamed(fileName, header.kind, out.kind), changed: true, facts };
  } catch (error) {
    return { ...original, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Quality of a JPEG or lossy WebP encoded anew only to turn it upright. */
const UPRIGHT_QUALITY = 92;

/**
 * The picture turned as its removed Exif orientation said (2–8), encoded anew in its own format
 * with its colour profile: PNG without loss, JPEG and WebP at quality 92. Throws when a codec fails.
 */
export async function turnUpright(bytes: Uint8Array, kind: ImageKind, orientation: number): Promise<Uint8Array> {
  const c = await codecs();
  const image = applyOrientation(await c.decode(kind, bytes), orientation);
  return withColourProfile(await c.encode(kind, image, UPRIGHT_QUALITY), kind, colourProfile(bytes, kind));
}

export { parseOptimizeSetting, type OptimizeSpec } from './settings';
