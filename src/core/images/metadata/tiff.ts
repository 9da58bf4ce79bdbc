/**
 * Exif's TIFF structure (the bytes after a JPEG's `Exif\0\0`, a PNG's `eXIf` chunk, a WebP's
 * `EXIF` chunk): its orientation, and the GPS directory removed in place, so that every other
 * offset in it stays valid and the block keeps its length.
 */
import { DamagedImage } from './plan';

export const GPS_POINTER = 0x8825;
const ORIENTATION = 0x0112;
/** Bytes per value of each TIFF field type (1 BYTE … 13 IFD). */
export const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

/**
 * Removes the entry at byte `entry` from the directory at `ifd` (of `count` entries) in `view`, in
 * place: the entries after it move up, the count drops by one, the pointer to the next directory
 * follows the last entry, and the 12 bytes freed at the end become zeros. Every offset stays valid.
 */
export function removeDirectoryEntry(view: DataView, little: boolean, ifd: number, count: number, entry: number): void {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const entriesEnd = ifd + 2 + count * 12;
  const next = view.getUint32(entriesEnd, little);
  bytes.copyWithin(entry, entry + 12, entriesEnd);
  view.setUint16(ifd, count - 1, little);
  view.setUint32(entriesEnd - 12, next, little);
  bytes.fill(0, entriesEnd - 8, entriesEnd + 4);
}

interface Tiff {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly little: boolean;
  /** Offset of IFD0, whose entries are in bounds. */
  readonly ifd0: number;
  readonly count: number;
}

function open(bytes: Uint8Array): Tiff {
  const little = bytes[0] === 0x49 && bytes[1] === 0x49;
  if (bytes.length < 8 || !(little || (bytes[0] === 0x4d && bytes[1] === 0x4d))) {
    throw new DamagedImage('its Exif block does not start with a TIFF header');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ifd0 = view.getUint32(4, little);
  if (ifd0 < 8 || ifd0 + 2 > bytes.length) {
    throw new DamagedImage('its Exif block points outside itself');
  }
  const count = view.getUint16(ifd0, little);
  if (ifd0 + 2 + count * 12 + 4 > bytes.length) {
    throw new DamagedImage('its Exif directory runs past the end of the block');
  }
  return { bytes, view, little, ifd0, count };
}

function findEntry(tiff: Tiff, tag: number): number | undefined {
  for (let i = 0; i < tiff.count; i++) {
    const entry = tiff.ifd0 + 2 + i * 12;
    if (tiff.view.getUint16(entry, tiff.little) === tag) {
      return entry;
    }
  }
  return undefined;
}

/** The orientation (1–8) in IFD0; 1 when there is none. Throws {@link DamagedImage} for a broken block. */
export function tiffOrientation(bytes: Uint8Array): number {
  const tiff = open(bytes);
  const entry = findEntry(tiff, ORIENTATION);
  const value = entry === undefined ? 1 : tiff.view.getUint16(entry + 8, tiff.little);
  return value >= 1 && value <= 8 ? value : 1;
}

/** {@link tiffOrientation}, with 1 for a broken block (one that is being removed whole has no orientation to honour). */
export function orientationOrOne(bytes: Uint8Array): number {
  try {
    return tiffOrientation(bytes);
  } catch {
    return 1;
  }
}

/** Whether the block has a GPS directory. Throws {@link DamagedImage} for a broken block. */
export function hasGps(bytes: Uint8Array): boolean {
  return findEntry(open(bytes), GPS_POINTER) !== undefined;
}

/** Zeroes the GPS directory, with the values it points to, wherever they lie in bounds. */
function zeroGpsDirectory(tiff: Tiff, at: number): void {
  const { bytes, view, little } = tiff;
  if (at < 8 || at + 2 > bytes.length) {
    return;
  }
  const count = view.getUint16(at, little);
  const end = Math.min(bytes.length, at + 2 + count * 12 + 4);
  for (let entry = at + 2; entry + 12 <= end; entry += 12) {
    const type = view.getUint16(entry + 2, little);
    const size = (TYPE_SIZE[type] ?? 0) * view.getUint32(entry + 4, little);
    if (size > 4) {
      const value = view.getUint32(entry + 8, little);
      if (value >= 8 && value + size <= bytes.length) {
        bytes.fill(0, value, value + size);
      }
    }
  }
  bytes.fill(0, at, end);
}

/**
 * Removes the GPS directory from the block, in place: its entry leaves IFD0 (the entries after it
 * move up, the count drops by one) and the directory and its values become zeros. Orientation,
 * the colour space and every other tag stay where they were. Returns whether there was one.
 * Throws {@link DamagedImage} for a block whose directory cannot be read.
 */
export function removeGps(bytes: Uint8Array): boolean {
  const tiff = open(bytes);
  const entry = findEntry(tiff, GPS_POINTER);
  if (entry === undefined) {
    return false;
  }
  const { view, little, ifd0, count } = tiff;
  zeroGpsDirectory(tiff, view.getUint32(entry + 8, little));
  removeDirectoryEntry(view, little, ifd0, count, entry);
  return true;
}
