/**
 * MP4 and QuickTime (MOV) videos, as phones film them: where a video was shot is kept in its `moov`
 * box, as QuickTime's `©xyz` user data ("+52.5200+013.4050/", Android and Apple), 3GPP's `loci`,
 * Apple's `com.apple.quicktime.location.*` metadata keys, and XMP (a `uuid` box or `XMP_` user
 * data). Each is taken out where it lies, at the same length: a `©xyz` or `loci` box becomes an
 * empty `free` box (zeros, which every reader skips), a location key's value becomes spaces, and XMP
 * loses its location properties. With all metadata removed, every user-data and metadata box
 * (`udta`, `meta`) and the XMP box become empty `free` boxes. The video and sound, the sample
 * tables and the track's orientation (its matrix in `tkhd`) are kept as ranges of the file; only
 * the boxes that are looked into are read, so a video of gigabytes adds a few kilobytes of memory.
 */
import { boxAt, childBoxes, planEdits, type Box, type Edit } from './isobmff';
import type { Mode } from './jpeg';
import { DamagedImage, latin1, readExactly, type PlanBuilder, type RandomAccess } from './plan';
import { blankXmpInPlace } from './xmp';

/** The first box types of a QuickTime file written without `ftyp`. */
const QUICKTIME_FIRST = new Set(['moov', 'wide', 'mdat', 'free', 'skip', 'pnot']);

/** The `uuid` of an XMP box (Adobe's, in MP4 and QuickTime). */
const XMP_UUID = 'be7acfcb97a942e89c71999491e3afac';

/** Metadata boxes are read whole only up to this size (a phone's are a few kilobytes). */
const MAX_READ_BYTES = 16 * 1024 * 1024;

const FREE = Uint8Array.from([0x66, 0x72, 0x65, 0x65]);
const LOCATION_KEY = /location/i;

/**
 * Whether `head` starts an ISO base media file that is not a HEIF image (checked before this):
 * `ftyp` first, or a QuickTime file's usual first box (`moov`, `wide`, `mdat` …) with a size that
 * fits `size`.
 */
export function isIsoMedia(head: Uint8Array, size: number): boolean {
  if (head.length < 8) {
    return false;
  }
  const type = latin1(head.subarray(4, 8));
  const boxSize = new DataView(head.buffer, head.byteOffset, 8).getUint32(0);
  return type === 'ftyp' || (QUICKTIME_FIRST.has(type) && (boxSize === 1 || (boxSize >= 8 && boxSize <= size)));
}

export async function planMp4(source: RandomAccess, plan: PlanBuilder, mode: Mode): Promise<{ orientation: number }> {
  const edits: Edit[] = [];
  const found = { location: false };
  for (let box = await boxAt(source, 0, source.size); box; box = await boxAt(source, box.end, source.size)) {
    if (box.end > source.size) {
      if (box.type === 'moov' || box.type === 'uuid' || box.type === 'meta') {
        throw new DamagedImage(`its ${box.type} box at byte ${box.at} runs past the end of the file`);
      }
      break; // media data cut short (a file not fully copied): no metadata lies past it
    }
    await visit(source, box, mode, edits, found);
  }
  planEdits(plan, edits, source.size);
  if (found.location && mode === 'location') {
    plan.notes.add('location');
  }
  return { orientation: 1 };
}

/** A box within the movie: what it holds of a place (or, with all metadata, of anything) is edited. */
async function visit(source: RandomAccess, box: Box, mode: Mode, edits: Edit[], found: { location: boolean }): Promise<void> {
  const free = () => edits.push(...freed(box));
  switch (box.type) {
    case 'moov':
    case 'trak':
      for (const child of await childBoxes(source, box.start, box.end, box.type)) {
        await visit(source, child, mode, edits, found);
      }
      return;
    case 'udta':
      if (mode === 'all') {
        free();
        return;
      }
      for (const child of await childBoxes(source, box.start, box.end, 'udta')) {
        if (child.type === '\xa9xyz' || child.type === 'loci') {
          edits.push(...freed(child));
          found.location = true;
        } else if (child.type === 'XMP_') {
          await blankXmp(source, child.start, child.end, edits, found);
        } else if (child.type === 'meta') {
          await visitMeta(source, child, edits, found);
        }
      }
      return;
    case 'meta':
      if (mode === 'all') {
        free();
      } else {
        await visitMeta(source, box, edits, found);
      }
      return;
    case 'uuid': {
      if (box.end - box.start < 16) {
        return;
      }
      const id = Buffer.from(await readExactly(source, box.start, 16, 'a uuid box')).toString('hex');
      if (id === XMP_UUID) {
        if (mode === 'all') {
          free();
        } else {
          await blankXmp(source, box.start + 16, box.end, edits, found);
        }
      }
      return;
    }
    default:
  }
}

/** The box made a `free` box with nothing in it: its type, then its content as zeros. */
function freed(box: Box): Edit[] {
  if (box.end - box.start > MAX_READ_BYTES) {
    throw new DamagedImage(`its ${box.type} box is larger than metadata can be (${box.end - box.start} bytes)`);
  }
  return [
    { offset: box.at + 4, bytes: FREE },
    { offset: box.start, bytes: new Uint8Array(box.end - box.start) },
  ];
}

async function readWhole(source: RandomAccess, start: number, end: number, what: string): Promise<Uint8Array> {
  if (end - start > MAX_READ_BYTES) {
    throw new DamagedImage(`its ${what} is larger than metadata can be (${end - start} bytes)`);
  }
  return readExactly(source, start, end - start, what);
}

async function blankXmp(source: RandomAccess, start: number, end: number, edits: Edit[], found: { location: boolean }): Promise<void> {
  const packet = await readWhole(source, start, end, 'XMP packet');
  if (blankXmpInPlace(packet)) {
    edits.push({ offset: start, bytes: packet });
    found.location = true;
  }
}

/**
 * A `meta` box: QuickTime's (`keys` names each value of `ilst`, 1-based) or an ISO/iTunes one
 * (a full box, with `©xyz` among the items of its `ilst`). A location value becomes spaces.
 */
async function visitMeta(source: RandomAccess, meta: Box, edits: Edit[], found: { location: boolean }): Promise<void> {
  // QuickTime's meta box is a plain box; the ISO one has a version and flags first.
  const probe = await readExactly(source, meta.start, Math.min(12, meta.end - meta.start), 'a meta box');
  const full = probe.length >= 12 && latin1(probe.subarray(4, 8)) !== 'hdlr' && latin1(probe.subarray(8, 12)) === 'hdlr';
  const children = await childBoxes(source, meta.start + (full ? 4 : 0), meta.end, 'meta');
  const keys = children.find((child) => child.type === 'keys');
  const locationKeys = keys ? await locationKeyIndices(source, keys) : new Set<number>();
  const ilst = children.find((child) => child.type === 'ilst');
  if (!ilst) {
    return;
  }
  for (const item of await childBoxes(source, ilst.start, ilst.end, 'ilst')) {
    const index = Buffer.from(item.type, 'latin1').readUInt32BE(0);
    if (item.type === '\xa9xyz' || locationKeys.has(index)) {
      for (const data of await childBoxes(source, item.start, item.end, 'an ilst item')) {
        // `data`: type indicator and locale (8 bytes), then the value.
        if (data.type === 'data' && data.end - data.start > 8) {
          if (data.end - data.start > MAX_READ_BYTES) {
            throw new DamagedImage('its location value is larger than metadata can be');
          }
          edits.push({ offset: data.start + 8, bytes: new Uint8Array(data.end - data.start - 8).fill(0x20) });
          found.location = true;
        }
      }
    }
  }
}

/** The 1-based indices of the `keys` entries that name a location (`com.apple.quicktime.location.ISO6709`, `….location.name` …). */
async function locationKeyIndices(source: RandomAccess, keys: Box): Promise<Set<number>> {
  const data = await readWhole(source, keys.start, keys.end, 'keys box');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const indices = new Set<number>();
  if (data.length < 8) {
    return indices;
  }
  const count = view.getUint32(4);
  let at = 8;
  for (let index = 1; index <= count && at + 8 <= data.length; index++) {
    const size = view.getUint32(at);
    if (size < 8 || at + size > data.length) {
      throw new DamagedImage('its metadata keys run past their box');
    }
    if (LOCATION_KEY.test(latin1(data.subarray(at + 8, at + size)))) {
      indices.add(index);
    }
    at += size;
  }
  return indices;
}
