/**
 * The colour profile of a JPEG (its APP2 `ICC_PROFILE` segments), PNG (its `iCCP` chunk) or WebP
 * (its `ICCP` chunk), carried over to the same picture encoded anew (turned upright), whose encoder
 * writes none.
 */
import { latin1 } from './plan';

/** The profile's segments or chunk as they are in the file, or `undefined` when it has none. */
export function colourProfile(bytes: Uint8Array, format: 'jpeg' | 'png' | 'webp'): Uint8Array | undefined {
  if (format === 'png') {
    let at = 8;
    while (at + 12 <= bytes.length) {
      const length = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0);
      const type = latin1(bytes.subarray(at + 4, at + 8));
      if (type === 'iCCP') {
        return bytes.slice(at, at + 12 + length);
      }
      if (type === 'IDAT') {
        return undefined;
      }
      at += 12 + length;
    }
    return undefined;
  }
  if (format === 'webp') {
    const chunk = webpChunks(bytes).find((c) => c.type === 'ICCP');
    return chunk && bytes.slice(chunk.at, chunk.end);
  }
  const segments: Uint8Array[] = [];
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff && bytes[at + 1] !== 0xda) {
    const end = at + 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
    if (bytes[at + 1] === 0xe2 && latin1(bytes.subarray(at + 4, at + 16)) === 'ICC_PROFILE\0') {
      segments.push(bytes.subarray(at, end));
    }
    at = end;
  }
  return segments.length ? Buffer.concat(segments) : undefined;
}

/** `encoded` with `profile` put where its format expects it: after a JPEG's JFIF segment, after a PNG's IHDR. */
export function withColourProfile(encoded: Uint8Array, format: 'jpeg' | 'png' | 'webp', profile: Uint8Array | undefined): Uint8Array {
  if (!profile) {
    return encoded;
  }
  if (format === 'webp') {
    return webpWithProfile(encoded, profile);
  }
  let at: number;
  if (format === 'png') {
    at = 8 + 12 + new DataView(encoded.buffer, encoded.byteOffset + 8, 4).getUint32(0);
  } else {
    at = 2;
    if (encoded[2] === 0xff && encoded[3] === 0xe0) {
      at = 4 + ((encoded[4] << 8) | encoded[5]);
    }
  }
  return Buffer.concat([encoded.subarray(0, at), profile, encoded.subarray(at)]);
}

/** A WebP's chunks after the RIFF header: type and where each (header and padding included) lies. */
function webpChunks(bytes: Uint8Array): Array<{ type: string; at: number; end: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks = [];
  for (let at = 12; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at + 4, true);
    const end = Math.min(bytes.length, at + 8 + length + (length & 1));
    chunks.push({ type: latin1(bytes.subarray(at, at + 4)), at, end });
    at = end;
  }
  return chunks;
}

/**
 * A WebP with an `ICCP` chunk (whole, header included): an extended file (VP8X) gets the ICC flag
 * and the chunk after its VP8X; a simple one (VP8 or VP8L alone) becomes extended first.
 */
function webpWithProfile(encoded: Uint8Array, iccp: Uint8Array): Uint8Array {
  const chunks = webpChunks(encoded);
  let head: Uint8Array;
  let rest: Uint8Array;
  if (chunks[0]?.type === 'VP8X') {
    head = encoded.slice(12, chunks[0].end);
    rest = encoded.subarray(chunks[0].end);
  } else {
    const { width, height } = webpCanvas(encoded, chunks[0]?.type);
    head = new Uint8Array(18);
    head.set([0x56, 0x50, 0x38, 0x58, 10, 0, 0, 0]); // 'VP8X', 10 bytes
    head[12] = (width - 1) & 0xff;
    head[13] = ((width - 1) >> 8) & 0xff;
    head[14] = ((width - 1) >> 16) & 0xff;
    head[15] = (height - 1) & 0xff;
    head[16] = ((height - 1) >> 8) & 0xff;
    head[17] = ((height - 1) >> 16) & 0xff;
    if (chunks[0]?.type === 'VP8L' && (encoded[chunks[0].at + 8 + 4] & 0x10) !== 0) {
      head[8] |= 0x10; // alpha, as the lossless bitstream says
    }
    rest = encoded.subarray(12);
  }
  head[8] |= 0x20; // ICC profile
  const out = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), head, iccp, rest]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

/** The canvas size of a simple WebP, from its VP8 or VP8L bitstream header. */
function webpCanvas(bytes: Uint8Array, type: string | undefined): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === 'VP8L') {
    const bits = view.getUint32(21, true);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
}
