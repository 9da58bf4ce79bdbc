/** What `kieUpload.images.optimize` asks for, checked: `off`, `lossless`, or a resize-and-re-encode preset. */
export type OptimizeFormat = 'keep' | 'webp' | 'jpeg';

export interface OptimizePreset {
  readonly kind: 'preset';
  readonly maxWidth?: number;
  readonly maxHeight?: number;
  readonly quality: number;
  readonly format: OptimizeFormat;
}

export type OptimizeSpec = { readonly kind: 'off' } | { readonly kind: 'lossless' } | OptimizePreset;

export const DEFAULT_QUALITY = 82;
/** Decoding needs width × height × 4 bytes; above this many pixels the original is sent. */
export const MAX_PIXELS = 50_000_000;

function dimension(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100_000) {
    throw new Error(`"${name}" must be a whole number of pixels from 1 to 100000.`);
  }
  return value;
}

/**
 * The setting's value as an `OptimizeSpec`, or an `Error` whose message says what is wrong
 * (the caller shows it and sends nothing).
 */
export function parseOptimizeSetting(value: unknown): OptimizeSpec {
  if (value === undefined || value === null || value === 'off') {
    return { kind: 'off' };
  }
  if (value === 'lossless') {
    return { kind: 'lossless' };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('kieUpload.images.optimize must be "off", "lossless" or an object such as { "maxWidth": 1920, "quality": 82, "format": "webp" }.');
  }
  const raw = value as Record<string, unknown>;
  const maxWidth = dimension(raw.maxWidth, 'maxWidth');
  const maxHeight = dimension(raw.maxHeight, 'maxHeight');
  const quality = raw.quality === undefined ? DEFAULT_QUALITY : raw.quality;
  if (typeof quality !== 'number' || !Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new Error('"quality" must be a whole number from 1 to 100.');
  }
  const format = raw.format === undefined ? 'keep' : raw.format;
  if (format !== 'keep' && format !== 'webp' && format !== 'jpeg') {
    throw new Error('"format" must be "keep", "webp" or "jpeg".');
  }
  return { kind: 'preset', maxWidth, maxHeight, quality, format };
}

const IMAGE_NAME = /\.(jpe?g|png|webp)$/i;

/**
 * Whether an upload of this name will be decoded to be optimised (a malformed setting counts: the
 * upload then refuses it). The drop and paste placeholder says so while it runs.
 */
export function willOptimise(setting: unknown, fileName: string): boolean {
  if (!IMAGE_NAME.test(fileName)) {
    return false;
  }
  try {
    return parseOptimizeSetting(setting).kind !== 'off';
  } catch {
    return true;
  }
}
