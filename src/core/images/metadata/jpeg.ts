/**
 * JPEG: the marker segments are walked from SOI to EOI (through every scan, so that segments
 * between the scans of a progressive JPEG are seen too), and the images appended after EOI (a
 * phone's Multi-Picture gain map or depth image) are walked the same way.
 *
 * Removing location edits segments in place (same length): the Multi-Picture index counts bytes
 * to the appended images. Removing all metadata drops the segments and what follows EOI.
 */
import { blankXmpBytes } from './xmp';
import { DamagedImage, latin1, readExactly, type PlanBuilder, type RandomAccess } from './plan';
import { orientationOrOne, removeGps } from './tiff';

export type Mode = 'location' | 'all';

const EXIF = 'Exif\0\0';
const XMP = 'http://ns.adobe.com/xap/1.0/\0';
const XMP_EXTENSION = 'http://ns.adobe.com/xmp/extension/\0';
const PHOTOSHOP = 'Photoshop 3.0\0';
const ICC = 'ICC_PROFILE\0';
/** IPTC datasets of record 2 that name a place: location code and name, city, sublocation, state, country code and name. */
const IPTC_PLACES = new Set([26, 27, 90, 92, 95, 100, 101]);

/**
 * Whether IPTC data (bare, or inside Photoshop's `8BIM` resources) anywhere in `bytes` has a
 * non-empty place dataset. A scan, not a parse: it may find one that is not there, never miss one.
 */
export function mentionsIptcPlace(bytes: Uint8Array): boolean {
  for (let at = bytes.indexOf(0x1c); at !== -1 && at + 5 <= bytes.length; at = bytes.indexOf(0x1c, at + 1)) {
    if (bytes[at + 1] === 2 && IPTC_PLACES.has(bytes[at + 2]) && ((bytes[at + 3] << 8) | bytes[at + 4]) > 0) {
      return true;
    }
  }
  return false;
}
const SCAN_CHUNK = 1024 * 1024;

interface Walk {
  readonly source: RandomAccess;
  readonly plan: PlanBuilder;
  readonly mode: Mode;
  orientation: number;
}

/** Plans the whole file: the first image, then each JPEG appended after its EOI; anything else after it is kept. */
export async function planJpeg(source: RandomAccess, plan: PlanBuilder, mode: Mode): Promise<{ orientation: number }> {
  const walk: Walk = { source, plan, mode, orientation: 1 };
  let at = await walkImage(walk, 0, true);
  while (at + 2 <= source.size) {
    const head = await source.read(at, 2);
    if (head[0] !== 0xff || head[1] !== 0xd8) {
      break;
    }
    at = await walkImage(walk, at, false);
  }
  if (at < source.size) {
    if (mode === 'all') {
      plan.drop();
    } else {
      plan.keep(at, source.size);
    }
  }
  return { orientation: walk.orientation };
}

/** Walks one image from its SOI; returns where it ends (after EOI, or the end of a cut file). */
async function walkImage(walk: Walk, start: number, first: boolean): Promise<number> {
  const { source, plan, mode } = walk;
  const appended = !first;
  if (appended && mode === 'all') {
    plan.drop();
    return source.size;
  }
  plan.keep(start, start + 2);
  let at = start + 2;
  let inScans = false;
  while (at < source.size) {
    const head = await source.read(at, Math.min(4, source.size - at));
    if (head[0] !== 0xff || head.length < 2) {
      if (inScans) {
        // Damage after the image data began: no metadata is looked for in it; it is sent as it is.
        plan.keep(at, source.size);
        return source.size;
      }
      throw new DamagedImage(`a JPEG marker was expected at byte ${at}`);
    }
    const marker = head[1];
    if (marker === 0xff) {
      plan.keep(at, at + 1); // a fill byte
      at += 1;
      continue;
    }
    if (marker === 0xd9) {
      plan.keep(at, at + 2);
      return at + 2;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      plan.keep(at, at + 2);
      at += 2;
      continue;
    }
    if (head.length < 4) {
      return cut(walk, at, inScans);
    }
    const length = (head[2] << 8) | head[3];
    const end = at + 2 + length;
    if (length < 2 || end > source.size) {
      return cut(walk, at, inScans);
    }
    if (marker === 0xda) {
      plan.keep(at, end);
      const next = await nextMarker(source, end);
      plan.keep(end, next);
      at = next;
      inScans = true;
      continue;
    }
    if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) {
      await segment(walk, marker, at, length);
    } else {
      plan.keep(at, end);
    }
    at = end;
  }
  return at;
}

/** A file that ends inside a segment's header or body: fine inside the image data, damage before it. */
function cut(walk: Walk, at: number, inScans: boolean): number {
  if (!inScans) {
    throw new DamagedImage(`the JPEG segment at byte ${at} runs past the end of the file`);
  }
  walk.plan.keep(at, walk.source.size);
  return walk.source.size;
}

/**
 * The position of the marker that ends the entropy-coded data from `from` (0xFF followed by
 * anything but a stuffed 0x00, a restart marker or another 0xFF), or the file's end.
 */
async function nextMarker(source: RandomAccess, from: number): Promise<number> {
  let at = from;
  while (at < source.size) {
    const chunk = await source.read(at, Math.min(SCAN_CHUNK, source.size - at));
    if (chunk.length === 0) {
      return source.size; // the file got shorter while it was read: no marker after this
    }
    let i = chunk.indexOf(0xff);
    while (i !== -1 && i + 1 < chunk.length) {
      const next = chunk[i + 1];
      if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) {
        return at + i;
      }
      i = chunk.indexOf(0xff, i + 1);
    }
    if (i === -1) {
      at += chunk.length;
    } else if (at + i + 1 >= source.size) {
      return source.size; // the file ends with 0xFF
    } else {
      at += Math.max(i, 1); // a 0xFF as the chunk's last byte is read again with the byte after it (a short read moves on)
    }
  }
  return source.size;
}

function startsWith(body: Uint8Array, signature: string): boolean {
  if (body.length < signature.length) {
    return false;
  }
  for (let i = 0; i < signature.length; i++) {
    if (body[i] !== signature.charCodeAt(i)) {
      return false;
    }
  }
  return true;
}

/** An APPn or COM segment at `at` of `length` (marker excluded): kept, edited in place, or dropped. */
async function segment(walk: Walk, marker: number, at: number, length: number): Promise<void> {
  const { source, plan, mode } = walk;
  const end = at + 2 + length;
  const isApp1 = marker === 0xe1;
  const peek = await source.read(at + 4, Math.min(length - 2, 36));
  const exif = isApp1 && startsWith(peek, EXIF);
  if (mode === 'all') {
    if (exif) {
      walk.orientation = orientationOrOne((await readExactly(source, at + 4, length - 2, 'the Exif segment')).subarray(EXIF.length));
    }
    // Kept: JFIF/JFXX (APP0), the colour profile (APP2 ICC_PROFILE) and Adobe's colour transform (APP14).
    if (marker === 0xe0 || marker === 0xee || (marker === 0xe2 && startsWith(peek, ICC))) {
      plan.keep(at, end);
    } else {
      plan.drop();
    }
    return;
  }
  const xmp = isApp1 && (startsWith(peek, XMP) || startsWith(peek, XMP_EXTENSION));
  const photoshop = marker === 0xed && startsWith(peek, PHOTOSHOP);
  if (!exif && !xmp && !photoshop) {
    plan.keep(at, end);
    return;
  }
  const whole = await readExactly(source, at, 2 + length, 'a JPEG segment');
  const body = whole.subarray(4);
  if (exif) {
    if (removeGps(body.subarray(EXIF.length))) {
      plan.put(whole);
      plan.notes.add('location');
      return;
    }
  } else if (xmp) {
    const blanked = blankXmpBytes(body);
    if (blanked) {
      plan.notes.add('location');
      if (blanked.clean) {
        body.set(blanked.bytes);
        plan.put(whole);
      } else {
        plan.drop();
      }
      return;
    }
  } else if (blankIptcPlaces(body.subarray(PHOTOSHOP.length))) {
    plan.put(whole);
    plan.notes.add('location');
    return;
  }
  plan.keep(at, end);
}

/**
 * Photoshop's image resources (`8BIM` blocks): the place names in the IPTC block (resource
 * 0x0404) are overwritten with spaces, in place. Returns whether any were.
 */
export function blankIptcPlaces(irb: Uint8Array): boolean {
  const view = new DataView(irb.buffer, irb.byteOffset, irb.byteLength);
  let blanked = false;
  let at = 0;
  while (at + 12 <= irb.length && latin1(irb.subarray(at, at + 4)) === '8BIM') {
    const id = view.getUint16(at + 4);
    const nameLength = irb[at + 6];
    const sizeAt = at + 6 + ((nameLength + 2) & ~1);
    if (sizeAt + 4 > irb.length) {
      throw new DamagedImage('its Photoshop resources run past the end of their segment');
    }
    const size = view.getUint32(sizeAt);
    const data = sizeAt + 4;
    if (data + size > irb.length) {
      throw new DamagedImage('its Photoshop resources run past the end of their segment');
    }
    if (id === 0x0404) {
      blanked = blankIptc(irb.subarray(data, data + size)) || blanked;
    }
    at = data + size + (size & 1);
  }
  return blanked;
}

/** IPTC datasets (record 2) that name a place, overwritten with spaces in place. Returns whether any were. */
export function blankIptc(iptc: Uint8Array): boolean {
  let blanked = false;
  let at = 0;
  while (at + 5 <= iptc.length && iptc[at] === 0x1c) {
    const record = iptc[at + 1];
    const dataset = iptc[at + 2];
    const size = (iptc[at + 3] << 8) | iptc[at + 4];
    if (size & 0x8000 || at + 5 + size > iptc.length) {
      throw new DamagedImage('its IPTC data runs past the end of its block');
    }
    // A place already blank (spaces) is no place: sending the file again changes nothing.
    if (record === 2 && IPTC_PLACES.has(dataset) && iptc.subarray(at + 5, at + 5 + size).some((byte) => byte !== 0x20)) {
      iptc.fill(0x20, at + 5, at + 5 + size);
      blanked = true;
    }
    at += 5 + size;
  }
  return blanked;
}
