/**
 * The jSquash WebAssembly codecs, initialised from their .wasm bytes read from disk (beside the
 * bundle in dist/, or in node_modules when run from out/). Loaded only when an image is optimised.
 */
import * as fs from 'fs';
import * as path from 'path';
import jpegDecode, { init as initJpegDecode } from '@jsquash/jpeg/decode.js';
import jpegEncode, { init as initJpegEncode } from '@jsquash/jpeg/encode.js';
import webpDecode, { init as initWebpDecode } from '@jsquash/webp/decode.js';
import webpEncode, { init as initWebpEncode } from '@jsquash/webp/encode.js';
import pngDecode, { init as initPngDecode } from '@jsquash/png/decode.js';
import pngEncode, { init as initPngEncode } from '@jsquash/png/encode.js';
import resize, { initResize } from '@jsquash/resize';
import oxipng, { init as initOxipng } from '@jsquash/oxipng/optimise.js';
import wasmFiles from './wasmFiles.json';

/** The .wasm files the codecs need, by their file name in dist/ and their place in node_modules (esbuild.js copies them from the same list). */
export const WASM_FILES: Readonly<Record<string, string>> = wasmFiles;

type WasmModule = Parameters<typeof initJpegDecode>[0];
type ImageData = Parameters<typeof jpegEncode>[0];
const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule } }).WebAssembly;

function wasmModule(file: string): WasmModule {
  const beside = path.join(__dirname, file);
  const where = fs.existsSync(beside) ? beside : path.join(__dirname, ...Array(4).fill('..'), 'node_modules', WASM_FILES[file]);
  const fromRoot = fs.existsSync(where) ? where : path.join(__dirname, ...Array(5).fill('..'), 'node_modules', WASM_FILES[file]);
  return new wasm.Module(fs.readFileSync(fromRoot));
}

export interface RawImage {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

export interface Codecs {
  decode(kind: 'png' | 'jpeg' | 'webp', bytes: Uint8Array): Promise<RawImage>;
  encode(kind: 'png' | 'jpeg' | 'webp', image: RawImage, quality: number): Promise<Uint8Array>;
  resize(image: RawImage, width: number, height: number): Promise<RawImage>;
  losslessPng(bytes: Uint8Array): Promise<Uint8Array>;
}

function ensureImageData(): void {
  const g = globalThis as { ImageData?: unknown };
  if (g.ImageData === undefined) {
    g.ImageData = class {
      readonly colorSpace = 'srgb';
      constructor(readonly data: Uint8ClampedArray, readonly width: number, readonly height: number) {}
    };
  }
}

function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function imageData(image: RawImage): ImageData {
  const Ctor = (globalThis as unknown as { ImageData: new (d: Uint8ClampedArray, w: number, h: number) => ImageData }).ImageData;
  return new Ctor(image.data, image.width, image.height);
}

let ready: Promise<Codecs> | undefined;

async function load(): Promise<Codecs> {
  ensureImageData();
  await Promise.all([
    initJpegDecode(wasmModule('mozjpeg_dec.wasm')),
    initJpegEncode(wasmModule('mozjpeg_enc.wasm')),
    initWebpDecode(wasmModule('webp_dec.wasm')),
    initWebpEncode(wasmModule('webp_enc.wasm')),
    initPngDecode(wasmModule('squoosh_png_bg.wasm')),
    initPngEncode(wasmModule('squoosh_png_bg.wasm')),
    initResize(wasmModule('squoosh_resize_bg.wasm')),
    initOxipng(wasmModule('squoosh_oxipng_bg.wasm')),
  ]);
  const decoders = { jpeg: jpegDecode, webp: webpDecode, png: pngDecode };
  return {
    decode: async (kind, bytes) => decoders[kind](buffer(bytes)),
    encode: async (kind, image, quality) => {
      const data = imageData(image);
      const out = kind === 'jpeg' ? await jpegEncode(data, { quality }) : kind === 'webp' ? await webpEncode(data, { quality }) : await pngEncode(data);
      return new Uint8Array(out);
    },
    resize: async (image, width, height) => resize(imageData(image), { width, height }),
    losslessPng: async (bytes) => new Uint8Array(await oxipng(buffer(bytes), { level: 2, optimiseAlpha: false, interlace: false })),
  };
}

/** The codecs, initialised once per process. */
export function codecs(): Promise<Codecs> {
  ready ??= load();
  return ready;
}
