/** EXIF orientation of a JPEG (1–8; 1 when absent or unreadable) and turning pixels upright. */
import { orientationOrOne } from '../metadata/tiff';

export interface Pixels {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/** The orientation written in a JPEG's Exif APP1 segment (walks the markers before the image data). */
export function jpegOrientation(bytes: Uint8Array): number {
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0xda || marker === 0xd9) {
      return 1;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    const body = bytes.subarray(at + 4, at + 2 + length);
    if (marker === 0xe1 && body.length > 6 && String.fromCharCode(...body.subarray(0, 4)) === 'Exif') {
      return orientationOrOne(body.subarray(6));
    }
    at += 2 + length;
  }
  return 1;
}

/** Pixels as they should be seen for an EXIF orientation (2–8 mirror and/or rotate; 1 unchanged). */
export function applyOrientation(image: Pixels, orientation: number): Pixels {
  if (orientation < 2 || orientation > 8) {
    return image;
  }
  const { width: w, height: h, data } = image;
  const swap = orientation >= 5;
  const outW = swap ? h : w;
  const outH = swap ? w : h;
  const out = new Uint32Array(outW * outH);
  const src = new Uint32Array(data.buffer, data.byteOffset, w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let dx: number;
      let dy: number;
      switch (orientation) {
        case 2: dx = w - 1 - x; dy = y; break;
        case 3: dx = w - 1 - x; dy = h - 1 - y; break;
        case 4: dx = x; dy = h - 1 - y; break;
        case 5: dx = y; dy = x; break;
        case 6: dx = h - 1 - y; dy = x; break;
        case 7: dx = h - 1 - y; dy = w - 1 - x; break;
        default: dx = y; dy = w - 1 - x; break;
      }
      out[dy * outW + dx] = src[y * w + x];
    }
  }
  return { data: new Uint8ClampedArray(out.buffer), width: outW, height: outH };
}
