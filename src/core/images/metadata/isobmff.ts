/**
 * What HEIF images and MP4/QuickTime videos share: ISO base media boxes (size, type, content; a
 * size of 1 means a 64-bit size follows, 0 means "to the end"), and edits made where the bytes lie,
 * at the same length, so that no offset in the file moves and the rest streams as ranges of it.
 */
import { DamagedImage, latin1, readExactly, type PlanBuilder, type RandomAccess } from './plan';

export interface Box {
  readonly type: string;
  /** Where the box starts, where its content starts (after the header), and where it ends. */
  readonly at: number;
  readonly start: number;
  readonly end: number;
}

/** Bytes that replace the file's from `offset` on. */
export interface Edit {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

/** The box whose header is at `at`, within `limit`; undefined when no header fits. Its end may lie past `limit`. */
export async function boxAt(source: RandomAccess, at: number, limit: number): Promise<Box | undefined> {
  if (at + 8 > limit) {
    return undefined;
  }
  const head = await readExactly(source, at, Math.min(16, limit - at), 'a box header');
  const view = new DataView(head.buffer);
  const type = latin1(head.subarray(4, 8));
  let size = view.getUint32(0);
  let start = at + 8;
  if (size === 1) {
    if (head.length < 16) {
      throw new DamagedImage(`its ${JSON.stringify(type)} box at byte ${at} is cut short`);
    }
    size = Number(view.getBigUint64(8));
    start += 8;
  } else if (size === 0) {
    size = limit - at;
  }
  if (size < start - at) {
    throw new DamagedImage(`its ${JSON.stringify(type)} box at byte ${at} has a size of ${size}`);
  }
  return { type, at, start, end: at + size };
}

/** The boxes within `[from, to)` of the file; a box that runs past `to` is damage. */
export async function childBoxes(source: RandomAccess, from: number, to: number, where: string): Promise<Box[]> {
  const boxes: Box[] = [];
  for (let box = await boxAt(source, from, to); box; box = await boxAt(source, box.end, to)) {
    if (box.end > to) {
      throw new DamagedImage(`its ${JSON.stringify(box.type)} box in ${where} runs past its end`);
    }
    boxes.push(box);
  }
  return boxes;
}

/** The boxes in `data[from, to)` (a box read whole), with offsets within `data`. */
export function boxesIn(data: Uint8Array, from: number, to: number, where: string): Box[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const boxes: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = view.getUint32(at);
    let start = at + 8;
    if (size === 1) {
      size = Number(view.getBigUint64(at + 8));
      start += 8;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < start - at || at + size > to) {
      throw new DamagedImage(`its ${JSON.stringify(latin1(data.subarray(at + 4, at + 8)))} box in ${where} runs past its end`);
    }
    boxes.push({ type: latin1(data.subarray(at + 4, at + 8)), at, start, end: at + size });
    at += size;
  }
  return boxes;
}

/** The plan: the file as it is, with the edits in their places. */
export function planEdits(plan: PlanBuilder, edits: Edit[], size: number): void {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  let at = 0;
  for (const edit of sorted) {
    if (edit.offset < at) {
      throw new DamagedImage('its metadata overlaps itself');
    }
    plan.keep(at, edit.offset);
    plan.put(edit.bytes);
    at = edit.offset + edit.bytes.length;
  }
  plan.keep(at, size);
}
