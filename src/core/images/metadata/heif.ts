/**
 * HEIF (HEIC, the iPhone's photo format) and AVIF: ISO base media files whose `meta` box lists
 * items, among them the `Exif` block and the XMP packet (`mime` items of type
 * `application/rdf+xml`), and where each item's bytes lie (`iloc`: in the file, usually in `mdat`,
 * or in the `meta` box's own `idat`). Both are edited where they lie and keep their length, so no
 * offset in the file moves: the Exif block loses its GPS directory and the XMP packet its location
 * properties; with all metadata removed, the Exif block becomes an empty TIFF directory and the
 * packet an empty one. The orientation a HEIF image is shown in is its `irot`/`imir` property, not
 * Exif's, so nothing is turned. The image data is kept as ranges of the file.
 */
import { boxAt, boxesIn, planEdits, type Box, type Edit } from './isobmff';
import { blankXmpInPlace } from './xmp';
import { DamagedImage, latin1, readExactly, type PlanBuilder, type RandomAccess } from './plan';
import { removeGps } from './tiff';
import type { Mode } from './jpeg';

/** `ftyp` brands of still images in HEIF (HEVC, AVC, JPEG, AV1 coded) and their image sequences. */
const BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'mif2', 'msf1', 'avif', 'avis', 'avci', 'jpeg']);

/** Larger `meta` boxes are not read (a real one holds a few kilobytes, thumbnails in `idat` at most a few megabytes). */
const MAX_META_BYTES = 64 * 1024 * 1024;

/** Larger Exif or XMP items are not read (a camera's are a few kilobytes, at most a few hundred). */
const MAX_ITEM_BYTES = 16 * 1024 * 1024;

/** An empty TIFF structure (big-endian, IFD0 without entries): what an Exif block holds with all metadata removed. */
const EMPTY_TIFF = Uint8Array.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0]);
const EMPTY_XMP = '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/><?xpacket end="w"?>';

export function isHeif(head: Uint8Array): boolean {
  return head.length >= 12 && latin1(head.subarray(4, 8)) === 'ftyp' && BRANDS.has(latin1(head.subarray(8, 12)));
}

/** The file's `meta` box, read whole, and where it starts; undefined when there is none. */
async function readMeta(source: RandomAccess): Promise<{ data: Uint8Array; at: number } | undefined> {
  for (let box = await boxAt(source, 0, source.size); box; box = await boxAt(source, box.end, source.size)) {
    if (box.type === 'meta') {
      if (box.end > source.size || box.end - box.at > MAX_META_BYTES) {
        throw new DamagedImage(`its meta box at byte ${box.at} runs past the end of the file`);
      }
      return { data: await readExactly(source, box.at, box.end - box.at, 'the meta box'), at: box.at };
    }
    if (box.end > source.size) {
      // The image data cut short after the metadata (a file not fully copied): nothing more to find.
      return undefined;
    }
  }
  return undefined;
}

/** One item's bytes: where they lie in the file. */
type Extent = { readonly offset: number; readonly length: number };

interface Item {
  readonly id: number;
  readonly type: string;
  readonly contentType: string;
}

/** Reads `size` bytes (0–8) as an unsigned number. */
function uint(view: DataView, at: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) {
    value = value * 256 + view.getUint8(at + i);
  }
  return value;
}

/** A zero-terminated string at `at` within `end`, and where it ends. */
function cString(data: Uint8Array, at: number, end: number): { text: string; next: number } {
  let stop = at;
  while (stop < end && data[stop] !== 0) {
    stop++;
  }
  return { text: latin1(data.subarray(at, stop)), next: Math.min(stop + 1, end) };
}

/** The items `iinf` lists (`infe` versions 2 and 3; earlier ones have no type to tell Exif by). */
function itemsIn(meta: Uint8Array, iinf: Box): Item[] {
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  const version = view.getUint8(iinf.start);
  const first = iinf.start + 4 + (version === 0 ? 2 : 4);
  const items: Item[] = [];
  for (const infe of boxesIn(meta, first, iinf.end, 'the item list')) {
    if (infe.type !== 'infe') {
      continue;
    }
    const infeVersion = view.getUint8(infe.start);
    if (infeVersion < 2) {
      continue;
    }
    let at = infe.start + 4;
    const id = infeVersion === 2 ? view.getUint16(at) : view.getUint32(at);
    at += (infeVersion === 2 ? 2 : 4) + 2;
    const type = latin1(meta.subarray(at, at + 4));
    const name = cString(meta, at + 4, infe.end);
    const contentType = type === 'mime' ? cString(meta, name.next, infe.end).text : '';
    items.push({ id, type, contentType });
  }
  return items;
}

/** Where each item's bytes lie, by item id, as file offsets (`idat` items resolved into the meta box's place in the file). */
function locationsIn(meta: Uint8Array, metaAt: number, iloc: Box, idat: Box | undefined, fileSize: number): Map<number, Extent[]> {
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  const version = view.getUint8(iloc.start);
  let at = iloc.start + 4;
  const offsetSize = view.getUint8(at) >> 4;
  const lengthSize = view.getUint8(at) & 15;
  const baseOffsetSize = view.getUint8(at + 1) >> 4;
  const indexSize = version >= 1 ? view.getUint8(at + 1) & 15 : 0;
  at += 2;
  const count = version < 2 ? view.getUint16(at) : view.getUint32(at);
  at += version < 2 ? 2 : 4;
  const locations = new Map<number, Extent[]>();
  for (let i = 0; i < count; i++) {
    const id = version < 2 ? view.getUint16(at) : view.getUint32(at);
    at += version < 2 ? 2 : 4;
    const method = version >= 1 ? view.getUint16(at) & 15 : 0;
    at += version >= 1 ? 2 : 0;
    at += 2; // data_reference_index
    const base = uint(view, at, baseOffsetSize);
    at += baseOffsetSize;
    const extentCount = view.getUint16(at);
    at += 2;
    const extentSize = indexSize + offsetSize + lengthSize;
    // Checked before the extents are read: a list that claims more than its box holds (or many
    // extents of no size) would otherwise make millions of entries out of a few bytes.
    if (at + extentCount * extentSize > iloc.end || (extentSize === 0 && extentCount > 1)) {
      throw new DamagedImage('its item locations run past their box');
    }
    const extents: Extent[] = [];
    for (let e = 0; e < extentCount; e++) {
      at += indexSize;
      const offset = base + uint(view, at, offsetSize);
      at += offsetSize;
      const length = uint(view, at, lengthSize);
      at += lengthSize;
      if (method === 0) {
        extents.push({ offset, length: length === 0 ? fileSize - offset : length });
      } else if (method === 1 && idat) {
        extents.push({ offset: metaAt + idat.start + offset, length: length === 0 ? idat.end - idat.start - offset : length });
      } else {
        // Bytes made from another item (method 2): not where an Exif block or a packet is put.
        extents.push({ offset: -1, length: 0 });
      }
    }
    if (at > iloc.end) {
      throw new DamagedImage('its item locations run past their box');
    }
    locations.set(id, extents);
  }
  return locations;
}

/** An item whose bytes may name a place: its Exif block or its XMP packet. */
function kindOf(item: Item): 'exif' | 'xmp' | undefined {
  if (item.type === 'Exif') {
    return 'exif';
  }
  // XMP's own type is application/rdf+xml; some writers say text/xml or application/xmp.
  return item.type === 'mime' && /xml|xmp|rdf/i.test(item.contentType) ? 'xmp' : undefined;
}

export async function planHeif(source: RandomAccess, plan: PlanBuilder, mode: Mode): Promise<{ orientation: number }> {
  const edits: Edit[] = [];
  const found = await readMeta(source);
  if (found) {
    const { data: meta, at: metaAt } = found;
    // A full box: after its header (16 bytes with a 64-bit size) come its version and flags.
    const header = new DataView(meta.buffer, meta.byteOffset, 4).getUint32(0) === 1 ? 16 : 8;
    const children = boxesIn(meta, header + 4, meta.length, 'the meta box');
    const child = (type: string) => children.find((box) => box.type === type);
    const iinf = child('iinf');
    const iloc = child('iloc');
    const items = iinf ? itemsIn(meta, iinf) : [];
    const wanted = items.filter((item) => kindOf(item) !== undefined);
    if (wanted.length > 0 && !iloc) {
      throw new DamagedImage('its metadata items have no locations');
    }
    const locations = wanted.length > 0 ? locationsIn(meta, metaAt, iloc!, child('idat'), source.size) : new Map<number, Extent[]>();
    for (const item of wanted) {
      const extents = locations.get(item.id) ?? [];
      if (extents.some((extent) => extent.offset < 0 || extent.offset + extent.length > source.size)) {
        throw new DamagedImage(`its ${item.type === 'Exif' ? 'Exif block' : 'XMP packet'} lies outside the file`);
      }
      if (extents.reduce((sum, extent) => sum + extent.length, 0) > MAX_ITEM_BYTES) {
        throw new DamagedImage(`its ${item.type === 'Exif' ? 'Exif block' : 'XMP packet'} is larger than metadata can be`);
      }
      // The item's bytes, its extents one after another (read in turn: a read may reuse the last one's buffer).
      const parts: Uint8Array[] = [];
      for (const extent of extents) {
        parts.push(await readExactly(source, extent.offset, extent.length, 'a metadata item'));
      }
      const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
      let filled = 0;
      for (const part of parts) {
        bytes.set(part, filled);
        filled += part.length;
      }
      const changed = kindOf(item) === 'exif' ? editExif(bytes, mode) : editXmp(bytes, mode);
      if (changed) {
        let from = 0;
        for (const extent of extents) {
          edits.push({ offset: extent.offset, bytes: bytes.subarray(from, from + extent.length) });
          from += extent.length;
        }
        if (mode === 'location') {
          plan.notes.add('location');
        }
      }
    }
  }
  planEdits(plan, edits, source.size);
  return { orientation: 1 };
}

/**
 * An Exif item: a 4-byte offset to the TIFF header (after what precedes it, usually `Exif\0\0`),
 * then the TIFF structure. Edited in place; whether anything changed.
 */
function editExif(item: Uint8Array, mode: Mode): boolean {
  if (item.length < 4) {
    throw new DamagedImage('its Exif block is cut short');
  }
  const start = 4 + new DataView(item.buffer, item.byteOffset, item.byteLength).getUint32(0);
  if (start > item.length) {
    throw new DamagedImage('its Exif block points outside itself');
  }
  const tiff = item.subarray(start);
  if (mode === 'location') {
    return removeGps(tiff);
  }
  if (tiff.length < EMPTY_TIFF.length) {
    tiff.fill(0);
  } else {
    tiff.fill(0);
    tiff.set(EMPTY_TIFF);
  }
  return true;
}

/** An XMP packet: its location blanked, or (all metadata) an empty packet in its place, padded with spaces. */
function editXmp(item: Uint8Array, mode: Mode): boolean {
  if (mode === 'all') {
    item.fill(0x20);
    if (item.length >= EMPTY_XMP.length) {
      item.set(Buffer.from(EMPTY_XMP, 'latin1'));
    }
    return true;
  }
  return blankXmpInPlace(item);
}
