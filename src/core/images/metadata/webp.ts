/**
 * WebP (RIFF): the `EXIF` chunk loses its GPS directory and the `XMP ` chunk its location
 * properties, both in place; with all metadata removed both chunks go, the VP8X flags that
 * announce them are cleared and the RIFF size is written anew. The image data (VP8, VP8L, ALPH,
 * ANIM/ANMF) and the colour profile (ICCP) are kept as ranges of the file.
 */
import { blankXmpInPlace } from './xmp';
import { DamagedImage, latin1, readExactly, type PlanBuilder, type RandomAccess } from './plan';
import { orientationOrOne, removeGps } from './tiff';
import type { Mode } from './jpeg';

const EXIF_FLAG = 0x08;
/** Larger VP8X, EXIF or XMP chunks are not read (a camera's are a few kilobytes). */
const MAX_METADATA_BYTES = 16 * 1024 * 1024;
const XMP_FLAG = 0x04;

export function isWebp(head: Uint8Array): boolean {
  return head.length >= 12 && latin1(head.subarray(0, 4)) === 'RIFF' && latin1(head.subarray(8, 12)) === 'WEBP';
}

/** The Exif chunk's TIFF block: some writers put JPEG's `Exif\0\0` before it. */
function tiffOf(data: Uint8Array): Uint8Array {
  return latin1(data.subarray(0, 6)) === 'Exif\0\0' ? data.subarray(6) : data;
}

export async function planWebp(source: RandomAccess, plan: PlanBuilder, mode: Mode): Promise<{ orientation: number }> {
  const header = await readExactly(source, 0, 12, 'the RIFF header');
  const riffSize = new DataView(header.buffer).getUint32(4, true);
  if (riffSize + 8 !== source.size) {
    throw new DamagedImage(`its RIFF size (${riffSize + 8} bytes) does not match the file (${source.size} bytes)`);
  }
  let orientation = 1;
  let vp8x: { data: Uint8Array } | undefined;
  let at = 12;
  while (at + 8 <= source.size) {
    const head = await source.read(at, 8);
    const type = latin1(head.subarray(0, 4));
    const length = new DataView(head.buffer, head.byteOffset, 8).getUint32(4, true);
    const end = at + 8 + length + (length & 1);
    if (at + 8 + length > source.size) {
      throw new DamagedImage(`its ${JSON.stringify(type)} chunk at byte ${at} runs past the end of the file`);
    }
    const chunkEnd = Math.min(end, source.size);
    if ((type === 'VP8X' || type === 'EXIF' || type === 'XMP ') && length > MAX_METADATA_BYTES) {
      throw new DamagedImage(`its ${JSON.stringify(type)} chunk is larger than metadata can be (${length} bytes)`);
    }
    if (type === 'VP8X') {
      const whole = await readExactly(source, at, chunkEnd - at, 'the VP8X chunk');
      plan.pieces.push(whole); // its flags change only if a chunk they announce goes
      vp8x = { data: whole };
    } else if (type === 'EXIF' || type === 'XMP ') {
      const whole = await readExactly(source, at, chunkEnd - at, `the ${type} chunk`);
      const data = whole.subarray(8, 8 + length);
      if (mode === 'all') {
        if (type === 'EXIF') {
          orientation = orientationOrOne(tiffOf(data));
        }
        plan.drop();
      } else if (type === 'EXIF' ? removeGps(tiffOf(data)) : blankXmpInPlace(data)) {
        plan.put(whole);
        plan.notes.add('location');
      } else {
        plan.keep(at, chunkEnd);
      }
    } else {
      plan.keep(at, chunkEnd);
    }
    at = end;
  }
  if (mode === 'all' && plan.changed) {
    if (vp8x) {
      vp8x.data[8] &= ~(EXIF_FLAG | XMP_FLAG);
    }
    new DataView(header.buffer).setUint32(4, plan.size + 4, true);
    plan.pieces.unshift(header);
  } else {
    plan.pieces.unshift({ start: 0, end: 12 });
  }
  return { orientation };
}
