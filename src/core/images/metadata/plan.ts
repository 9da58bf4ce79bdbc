/**
 * What metadata removal makes of a file without reading it whole: a list of pieces, each either a
 * range of the original file or a few new bytes (an edited segment or chunk). The upload then
 * streams the pieces; only the metadata itself is ever held in memory.
 */

/** The image's structure is broken where metadata is, so it cannot be checked: nothing is sent. */
export class DamagedImage extends Error {}

/** A range `[start, end)` of the original, or bytes that replace what was there. */
export type Piece = { readonly start: number; readonly end: number } | Uint8Array;

/** Positioned reads of the original (a file on disk, or bytes in memory). */
export interface RandomAccess {
  readonly size: number;
  /** Up to `length` bytes at `position` (fewer at the end). The result may be reused by the next read. */
  read(position: number, length: number): Promise<Uint8Array>;
}

export function memoryAccess(data: Uint8Array): RandomAccess {
  return { size: data.byteLength, read: async (position, length) => data.subarray(position, position + length) };
}

/** Reads exactly `length` bytes, or throws {@link DamagedImage} saying `what` runs past the end. */
export async function readExactly(source: RandomAccess, position: number, length: number, what: string): Promise<Uint8Array> {
  const bytes = position + length <= source.size ? await source.read(position, length) : undefined;
  if (!bytes || bytes.length < length) {
    throw new DamagedImage(`${what} runs past the end of the file`);
  }
  return Uint8Array.from(bytes);
}

/** The notes a plan can carry; the upload's summary and the history's tooltip show them. */
export type MetadataNote = 'location' | 'all' | 'upright';

export class PlanBuilder {
  readonly pieces: Piece[] = [];
  readonly notes = new Set<MetadataNote>();
  /** Whether anything differs from the original. */
  changed = false;

  keep(start: number, end: number): void {
    if (end <= start) {
      return;
    }
    const last = this.pieces[this.pieces.length - 1];
    if (last && !(last instanceof Uint8Array) && last.end === start) {
      this.pieces[this.pieces.length - 1] = { start: last.start, end };
    } else {
      this.pieces.push({ start, end });
    }
  }

  put(bytes: Uint8Array): void {
    this.pieces.push(bytes);
    this.changed = true;
  }

  drop(): void {
    this.changed = true;
  }

  get size(): number {
    let size = 0;
    for (const piece of this.pieces) {
      size += piece instanceof Uint8Array ? piece.byteLength : piece.end - piece.start;
    }
    return size;
  }
}

export const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
