/**
 * TIFF files, and the camera raw formats built on TIFF (DNG, among them the iPhone's ProRAW, NEF,
 * CR2, ARW …): the GPS directory is taken out of IFD0 where it lies (its entry removed, the
 * directory and its values zeroed), and the XMP packet (tag 700), the IPTC block and Photoshop's
 * resources lose their place names, all at the same length, reading only those, so a raw file of any size
 * streams as ranges of itself. The rest of its metadata stays, with all metadata removed too: a raw
 * converter needs the camera's make, model and settings to develop the picture.
 */
import { planEdits, type Edit } from './isobmff';
import { blankIptc, blankIptcPlaces, type Mode } from './jpeg';
import { DamagedImage, readExactly, type PlanBuilder, type RandomAccess } from './plan';
import { GPS_POINTER, removeDirectoryEntry, TYPE_SIZE } from './tiff';
import { blankXmpInPlace } from './xmp';

const XMP_PACKET = 0x02bc;
const IPTC_BLOCK = 0x83bb;
const PHOTOSHOP_RESOURCES = 0x8649;
/** Larger XMP packets or GPS directories are not read (a camera's are a few kilobytes). */
const MAX_READ_BYTES = 16 * 1024 * 1024;

/** Classic TIFF, either byte order (BigTIFF, version 43, is not read). */
export function isTiff(head: Uint8Array): boolean {
  return head.length >= 4 && ((head[0] === 0x49 && head[1] === 0x49 && head[2] === 42 && head[3] === 0) || (head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && head[3] === 42));
}

interface Entry {
  readonly tag: number;
  readonly type: number;
  readonly count: number;
  /** The value itself when it fits in 4 bytes, else where it lies. */
  readonly value: number;
  /** Bytes of the value. */
  readonly size: number;
}

export async function planTiff(source: RandomAccess, plan: PlanBuilder, mode: Mode): Promise<{ orientation: number }> {
  void mode; // the same for both: see above
  const header = await readExactly(source, 0, 8, 'the TIFF header');
  const little = header[0] === 0x49;
  const ifd0 = new DataView(header.buffer).getUint32(4, little);
  const edits: Edit[] = [];
  const zeroed: Array<[number, number]> = [];
  const directory = await readDirectory(source, ifd0, little, 'its first directory');
  const entries = directory.entries;
  const gps = entries.findIndex((entry) => entry.tag === GPS_POINTER);
  if (gps >= 0) {
    // IFD0 without the GPS entry, at the same length.
    const bytes = directory.bytes;
    removeDirectoryEntry(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), little, 0, entries.length, 2 + gps * 12);
    edits.push({ offset: ifd0, bytes });
    const at = entries[gps].value;
    if (at >= 8 && at + 2 <= source.size) {
      const gpsDirectory = await readDirectory(source, at, little, 'its GPS directory');
      zeroed.push([at, at + gpsDirectory.bytes.length]);
      for (const entry of gpsDirectory.entries) {
        if (entry.size > MAX_READ_BYTES) {
          throw new DamagedImage('its GPS directory holds a value larger than metadata can be');
        }
        if (entry.size > 4 && entry.value >= 8 && entry.value + entry.size <= source.size) {
          zeroed.push([entry.value, entry.value + entry.size]);
        }
      }
    }
    plan.notes.add('location');
  }
  // The XMP packet, the IPTC block and Photoshop's resources (with an IPTC block of their own):
  // their place names become spaces where they lie.
  const blankers: Array<[number, string, (bytes: Uint8Array) => boolean]> = [
    [XMP_PACKET, 'its XMP packet', blankXmpInPlace],
    [IPTC_BLOCK, 'its IPTC block', blankIptc],
    [PHOTOSHOP_RESOURCES, 'its Photoshop resources', blankIptcPlaces],
  ];
  for (const [tag, what, blank] of blankers) {
    const entry = entries.find((candidate) => candidate.tag === tag);
    if (!entry || entry.size <= 4) {
      continue;
    }
    if (entry.size > MAX_READ_BYTES || entry.value + entry.size > source.size) {
      throw new DamagedImage(`${what} lies outside the file`);
    }
    const bytes = await readExactly(source, entry.value, entry.size, what);
    if (blank(bytes)) {
      edits.push({ offset: entry.value, bytes });
      plan.notes.add('location');
    }
  }
  for (const [start, end] of merged(zeroed)) {
    edits.push({ offset: start, bytes: new Uint8Array(end - start) });
  }
  planEdits(plan, edits, source.size);
  return { orientation: 1 };
}

/** A directory (IFD) at `at`: its bytes (count, entries, next pointer) and its entries. */
async function readDirectory(source: RandomAccess, at: number, little: boolean, what: string): Promise<{ bytes: Uint8Array; entries: Entry[] }> {
  if (at < 8 || at + 2 > source.size) {
    throw new DamagedImage(`${what} lies outside the file`);
  }
  const count = new DataView((await readExactly(source, at, 2, what)).buffer).getUint16(0, little);
  if (count * 12 + 6 > MAX_READ_BYTES) {
    throw new DamagedImage(`${what} is larger than a directory can be`);
  }
  const bytes = await readExactly(source, at, 2 + count * 12 + 4, what);
  const view = new DataView(bytes.buffer);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const entry = 2 + i * 12;
    const type = view.getUint16(entry + 2, little);
    const valueCount = view.getUint32(entry + 4, little);
    entries.push({ tag: view.getUint16(entry, little), type, count: valueCount, value: view.getUint32(entry + 8, little), size: (TYPE_SIZE[type] ?? 0) * valueCount });
  }
  return { bytes, entries };
}

/** The ranges, sorted and with overlapping ones joined. */
function merged(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1]) {
      last[1] = Math.max(last[1], end);
    } else {
      out.push([start, end]);
    }
  }
  return out;
}
