/** The image's format and dimensions read from its header, before anything is decoded. */
export type ImageKind = 'png' | 'jpeg' | 'webp';

export interface ImageHeader {
  readonly kind: ImageKind;
  readonly width: number;
  readonly height: number;
}

function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  let at = 2;
  while (at + 9 < b.length && b[at] === 0xff) {
    const marker = b[at + 1];
    const length = (b[at + 2] << 8) | b[at + 3];
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      return { height: (b[at + 5] << 8) | b[at + 6], width: (b[at + 7] << 8) | b[at + 8] };
    }
    at += 2 + length;
  }
  return undefined;
}

function webpSize(b: Uint8Array): { width: number; height: number } | undefined {
  const chunk = String.fromCharCode(...b.subarray(12, 16));
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (chunk === 'VP8X' && b.length >= 30) {
    return { width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
  }
  if (chunk === 'VP8 ' && b.length >= 30) {
    return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = v.getUint32(21, true);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  return undefined;
}

/** `undefined` when the bytes are not a PNG, JPEG or WebP whose size can be read. */
export function sniffImage(b: Uint8Array): ImageHeader | undefined {
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { kind: 'png', width: v.getUint32(16), height: v.getUint32(20) };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    const size = jpegSize(b);
    return size && { kind: 'jpeg', ...size };
  }
  if (b.length >= 16 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') {
    const size = webpSize(b);
    return size && { kind: 'webp', ...size };
  }
  return undefined;
}

/**
 * Whether the image ends where its format says it ends (a JPEG's EOI marker, a PNG's IEND chunk,
 * a WebP's RIFF size). Decoders fill a cut image with grey rather than fail, so a cut image is
 * sent as it is instead of being re-encoded.
 */
export function looksComplete(b: Uint8Array, kind: ImageKind): boolean {
  if (kind === 'jpeg') {
    let end = b.length;
    while (end > 2 && b[end - 1] === 0) {
      end--;
    }
    return end >= 4 && b[end - 2] === 0xff && b[end - 1] === 0xd9;
  }
  if (kind === 'png') {
    return b.length >= 12 && String.fromCharCode(...b.subarray(b.length - 8, b.length - 4)) === 'IEND';
  }
  const riffSize = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4, true);
  return riffSize + 8 === b.length || riffSize + 9 === b.length;
}
