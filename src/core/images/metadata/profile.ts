/**
 * The colour profile of a JPEG (its APP2 `ICC_PROFILE` segments) or PNG (its `iCCP` chunk), carried
 * over to the same picture encoded anew (turned upright), whose encoder writes none.
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
  if (format !== 'jpeg') {
    return undefined;
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
  if (!profile || format === 'webp') {
    return encoded;
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
