/**
 * PNG: chunk by chunk. Image data (IDAT) and the colour chunks (iCCP, sRGB, gAMA, cHRM) are kept
 * as ranges of the file; the metadata chunks are read and judged: `eXIf` loses its GPS directory in
 * place, XMP (`iTXt` "XML:com.adobe.xmp") its location properties, and text chunks that hold a
 * place (a "GPS…" or "location" keyword, an ImageMagick raw profile with GPS) are dropped.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { blankXmpBytes } from './xmp';
import { mentionsIptcPlace } from './jpeg';
import { DamagedImage, latin1, readExactly, type PlanBuilder, type RandomAccess } from './plan';
import { hasGps, orientationOrOne, removeGps } from './tiff';
import type { Mode } from './jpeg';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const TEXT_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt']);
/** Chunks that describe the picture's origin rather than its pixels or colours: all removed by `removeAllMetadata`. */
const METADATA_CHUNKS = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);
/** Metadata chunks larger than this are not read into memory: they are dropped, which can only remove data. */
const MAX_METADATA_CHUNK = 16 * 1024 * 1024;
const PLACE_KEYWORD = /gps|location|latitude|longitude|geo|city|country|place/i;
const INFLATE_LIMIT = { maxOutputLength: 64 * 1024 * 1024 };

export function isPng(head: Uint8Array): boolean {
  return SIGNATURE.every((byte, i) => head[i] === byte);
}

export async function planPng(source: RandomAccess, plan: PlanBuilder, mode: Mode): Promise<{ orientation: number }> {
  let orientation = 1;
  let inImage = false;
  plan.keep(0, 8);
  let at = 8;
  while (at < source.size) {
    if (at + 12 > source.size) {
      return { orientation: cut(source, plan, at, inImage) };
    }
    const head = await source.read(at, 8);
    const length = new DataView(head.buffer, head.byteOffset, 8).getUint32(0);
    const type = latin1(head.subarray(4, 8));
    const end = at + 12 + length;
    if (length > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) {
      if (inImage) {
        plan.keep(at, source.size);
        return { orientation };
      }
      throw new DamagedImage(`the PNG chunk at byte ${at} has a bad length or type`);
    }
    if (end > source.size) {
      return { orientation: cut(source, plan, at, inImage && !METADATA_CHUNKS.has(type)) };
    }
    inImage ||= type === 'IDAT';
    if (type === 'IEND') {
      plan.keep(at, end);
      if (end < source.size) {
        // Bytes after IEND belong to no chunk: kept when only location is removed, dropped with all metadata.
        if (mode === 'all') {
          plan.drop();
        } else {
          plan.keep(end, source.size);
        }
      }
      return { orientation };
    }
    if (!METADATA_CHUNKS.has(type)) {
      plan.keep(at, end);
    } else if (length > MAX_METADATA_CHUNK) {
      plan.drop();
      plan.notes.add(mode === 'all' ? 'all' : 'location');
    } else {
      const data = await readExactly(source, at + 8, length, 'a PNG chunk');
      if (mode === 'all') {
        if (type === 'eXIf') {
          orientation = orientationOrOne(data);
        }
        plan.drop();
      } else {
        metadataChunk(plan, type, data, at, end);
      }
    }
    at = end;
  }
  return { orientation };
}

/** A file that ends inside a chunk: kept as it is after the image data began, damage before it. */
function cut(source: RandomAccess, plan: PlanBuilder, at: number, inImage: boolean): number {
  if (!inImage) {
    throw new DamagedImage(`the PNG chunk at byte ${at} runs past the end of the file`);
  }
  plan.keep(at, source.size);
  return 1;
}

/** Location removed from one metadata chunk: kept, rewritten (with a new CRC) or dropped. */
function metadataChunk(plan: PlanBuilder, type: string, data: Uint8Array, at: number, end: number): void {
  if (type === 'eXIf') {
    if (removeGps(data)) {
      plan.put(chunk(type, data));
      plan.notes.add('location');
    } else {
      plan.keep(at, end);
    }
    return;
  }
  if (!TEXT_CHUNKS.has(type)) {
    plan.keep(at, end);
    return;
  }
  const text = readText(type, data);
  if (PLACE_KEYWORD.test(text.keyword) || rawProfileHasPlace(text)) {
    plan.drop();
    plan.notes.add('location');
    return;
  }
  const blanked = text.value && blankXmpBytes(text.value);
  if (!blanked) {
    plan.keep(at, end);
    return;
  }
  plan.notes.add('location');
  if (!blanked.clean) {
    plan.drop();
    return;
  }
  plan.put(chunk(type, Buffer.concat([data.subarray(0, text.valueAt), text.compressed ? deflateSync(blanked.bytes) : blanked.bytes])));
}

interface Text {
  readonly keyword: string;
  /** The text, inflated; `undefined` when it cannot be (a damaged stream): such a chunk is judged by its keyword. */
  readonly value?: Uint8Array;
  /** Where the (possibly compressed) text starts in the chunk's data. */
  readonly valueAt: number;
  readonly compressed: boolean;
}

function readText(type: string, data: Uint8Array): Text {
  const nul = data.indexOf(0);
  const keyword = latin1(data.subarray(0, nul === -1 ? data.length : nul));
  if (nul === -1) {
    return { keyword, valueAt: data.length, compressed: false, value: new Uint8Array(0) };
  }
  let valueAt = nul + 1;
  let compressed = false;
  if (type === 'zTXt') {
    valueAt += 1;
    compressed = true;
  } else if (type === 'iTXt') {
    compressed = data[nul + 1] === 1;
    const language = data.indexOf(0, nul + 3);
    const translated = language === -1 ? -1 : data.indexOf(0, language + 1);
    if (translated === -1) {
      throw new DamagedImage(`its ${type} chunk "${keyword}" is damaged`);
    }
    valueAt = translated + 1;
  }
  const raw = data.subarray(valueAt);
  if (!compressed) {
    return { keyword, valueAt, compressed, value: raw };
  }
  try {
    return { keyword, valueAt, compressed, value: inflateSync(raw, INFLATE_LIMIT) };
  } catch {
    throw new DamagedImage(`its ${type} chunk "${keyword}" does not inflate`);
  }
}

/**
 * ImageMagick's "Raw profile type exif|APP1|xmp|iptc|8bim" (exiftool writes them too): hex text
 * after a header line and a length line.
 */
function rawProfileHasPlace(text: Text): boolean {
  const profile = /^Raw profile type (exif|APP1|xmp|iptc|8bim)$/i.exec(text.keyword);
  if (!profile || !text.value) {
    return false;
  }
  const hex = latin1(text.value).replace(/^\s*\S*(?:\s+profile)?\s*\d+\s*/i, '').replace(/\s+/g, '');
  const bytes = Buffer.from(hex, 'hex');
  const kind = profile[1].toLowerCase();
  if (kind === 'xmp') {
    return blankXmpBytes(bytes) !== undefined;
  }
  if (kind === 'iptc' || kind === '8bim') {
    return mentionsIptcPlace(bytes);
  }
  const tiff = latin1(bytes.subarray(0, 6)) === 'Exif\0\0' ? bytes.subarray(6) : bytes;
  try {
    return hasGps(tiff);
  } catch {
    return true; // A profile that cannot be read cannot be shown to hold no place: it goes.
  }
}

/** A PNG chunk: length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
