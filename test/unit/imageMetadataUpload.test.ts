import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KieClient } from '../../src/core/client';
import { UploadError } from '../../src/core/errors';
import { applyOrientation } from '../../src/core/images/optimize/orientation';
import { codecs } from '../../src/core/images/optimize/codecs';
import { startEmulator, type Emulator } from '../emulator/server';
import * as exifr from 'exifr';
import { heifWithPlace, iccProfile, tiffWithPlace, videoWithPlace, jpegSegments, jpegWithPlace, pixelHash, placesIn, pngChunks, pngWithPlace, readExif, webpChunks, webpWithPlace } from '../fixtures/images';

const KEY = 'test-key-123456';

describe('image metadata: what reaches the emulator', function () {
  this.timeout(60_000);
  let emulator: Emulator;
  let dir: string;

  const client = (imageMetadata?: { removeLocation: boolean; removeAllMetadata: boolean }, imageOptimize?: unknown) =>
    new KieClient({ baseUrl: emulator.url, uploadPath: 'tests', retentionHours: 72, imageMetadata, imageOptimize }, { getApiKey: () => KEY });

  async function received(url: string): Promise<Buffer> {
    const response = await fetch(url);
    assert.equal(response.status, 200);
    return Buffer.from(await response.arrayBuffer());
  }

  async function write(name: string, bytes: Uint8Array): Promise<string> {
    const path = join(dir, name);
    await fs.writeFile(path, bytes);
    return path;
  }

  before(async () => {
    emulator = await startEmulator({ apiKey: KEY });
    dir = await fs.mkdtemp(join(tmpdir(), 'kie-metadata-'));
  });

  after(async () => {
    await emulator.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a large JPEG streamed from disk (the default settings) arrives with no place, its orientation, profile and pixels kept, noted "location removed"', async () => {
    const jpeg = await jpegWithPlace(1600, 1200);
    assert.ok(jpeg.length > 64 * 1024, 'larger than the files read whole');
    const record = await client().uploadFile(await write('large.jpg', jpeg));
    const bytes = await received(record.url);
    assert.deepEqual(placesIn(bytes, 'jpeg'), []);
    assert.equal(bytes.length, jpeg.length);
    assert.equal(record.fileSize, jpeg.length);
    assert.equal(readExif(jpegSegments(bytes).find((s) => s.marker === 0xe1 && s.body.toString('latin1', 0, 4) === 'Exif')!.body).orientation, 6);
    assert.ok(jpegSegments(bytes).find((s) => s.marker === 0xe2)!.body.subarray(14).equals(iccProfile()));
    const c = await codecs();
    assert.equal(pixelHash(await c.decode('jpeg', bytes)), pixelHash(await c.decode('jpeg', jpeg)));
    assert.deepEqual(record.notes, ['location removed']);
    assert.equal(record.fileName, 'large.jpg');
    assert.equal(record.sha256, createHash('sha256').update(bytes).digest('hex'), 'the record names the bytes sent (Verify Link compares them)');
  });

  it('an iPhone photo (HEIC) from disk arrives with no place in its Exif or XMP, its orientation and every other byte kept', async () => {
    const heic = heifWithPlace();
    const record = await client().uploadFile(await write('IMG_0001.HEIC', heic));
    const bytes = await received(record.url);
    assert.equal(bytes.length, heic.length);
    const exif = (await exifr.parse(bytes, { gps: true, translateValues: false })) as { latitude?: number; Orientation?: number };
    assert.equal(exif.latitude, undefined);
    assert.equal(exif.Orientation, 6);
    assert.doesNotMatch(bytes.toString('latin1'), /GPS|Berlin/);
    assert.ok(bytes.includes(iccProfile()));
    assert.deepEqual(record.notes, ['location removed']);
    assert.equal(record.mimeType, 'image/heic');
    assert.equal(record.sha256, createHash('sha256').update(bytes).digest('hex'));
  });

  it('a camera raw file (DNG) from disk arrives without its place, its make and orientation kept', async () => {
    const raw = tiffWithPlace();
    const record = await client().uploadFile(await write('IMG_0042.DNG', raw));
    const bytes = await received(record.url);
    assert.equal(bytes.length, raw.length);
    const exif = (await exifr.parse(bytes, { gps: true, translateValues: false })) as { latitude?: number; Orientation?: number; Make?: string };
    assert.equal(exif.latitude, undefined);
    assert.equal(exif.Orientation, 6);
    assert.equal(exif.Make, 'Kie Test Camera');
    assert.deepEqual(record.notes, ['location removed']);
  });

  it('a phone\'s video (MOV) from disk arrives without its place, its media byte for byte', async () => {
    const video = videoWithPlace();
    const record = await client().uploadFile(await write('IMG_4033.MOV', video));
    const bytes = await received(record.url);
    assert.equal(bytes.length, video.length);
    assert.doesNotMatch(bytes.toString('latin1'), /52\.52|013\.40|Berlin|GPS/);
    assert.ok(bytes.subarray(-8192).equals(video.subarray(-8192)));
    assert.deepEqual(record.notes, ['location removed']);
    assert.equal(record.mimeType, 'video/quicktime');
  });

  it('a 40 MiB video streams as edited ranges in full chunks, hashed off the thread: the record\'s SHA-256 names the bytes served', async () => {
    const small = videoWithPlace();
    const media = small.indexOf('mdat', 0, 'latin1') - 4;
    const large = Buffer.concat([small.subarray(0, media), Buffer.from([0x02, 0x80, 0x00, 0x08]), Buffer.from('mdat', 'latin1'), Buffer.alloc(40 * 1024 * 1024, 7)]);
    const record = await client().uploadFile(await write('long.mov', large));
    const bytes = await received(record.url);
    assert.equal(bytes.length, large.length);
    assert.doesNotMatch(bytes.subarray(0, media).toString('latin1'), /52\.52|Berlin|GPS/);
    assert.ok(bytes.subarray(media).equals(large.subarray(media)), 'the media data arrives byte for byte');
    assert.equal(record.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.deepEqual(record.notes, ['location removed']);
  });

  it('a small PNG file, a pasted WebP (base64) and a JPEG sent as base64 arrive with no place, orientation, profile and pixels kept', async () => {
    const c = await codecs();
    const original = await pngWithPlace();
    const png = await received((await client().uploadFile(await write('small.png', original))).url);
    assert.deepEqual(placesIn(png, 'png'), []);
    assert.equal(readExif(pngChunks(png).find((chunk) => chunk.type === 'eXIf')!.data).orientation, 6);
    assert.ok(pngChunks(png).find((chunk) => chunk.type === 'iCCP')!.data.equals(pngChunks(original).find((chunk) => chunk.type === 'iCCP')!.data));
    assert.equal(pixelHash(await c.decode('png', png)), pixelHash(await c.decode('png', original)));
    const pasted = await webpWithPlace();
    const webpRecord = await client().uploadData(pasted, 'paste.webp');
    const webp = await received(webpRecord.url);
    assert.deepEqual(placesIn(webp, 'webp'), []);
    assert.equal(readExif(webpChunks(webp).find((chunk) => chunk.type === 'EXIF')!.data).orientation, 6);
    assert.ok(webpChunks(webp).find((chunk) => chunk.type === 'ICCP')!.data.equals(iccProfile()));
    assert.equal(pixelHash(await c.decode('webp', webp)), pixelHash(await c.decode('webp', pasted)));
    assert.deepEqual(webpRecord.notes, ['location removed']);
    const jpegRecord = await client().uploadFile(await write('b64.jpg', await jpegWithPlace(1200, 900)), { method: 'base64' });
    assert.equal(jpegRecord.method, 'base64');
    assert.deepEqual(placesIn(await received(jpegRecord.url), 'jpeg'), []);
  });

  it('the format is told by the bytes: a JPEG named photo.dat loses its place too', async () => {
    const record = await client().uploadFile(await write('photo.dat', await jpegWithPlace(800, 600)));
    assert.deepEqual(placesIn(await received(record.url), 'jpeg'), []);
  });

  it('with removeLocation off, the photo is sent byte for byte', async () => {
    const jpeg = await jpegWithPlace(800, 600);
    const record = await client({ removeLocation: false, removeAllMetadata: false }).uploadFile(await write('as-is.jpg', jpeg));
    assert.ok((await received(record.url)).equals(jpeg));
    assert.equal(record.notes, undefined);
  });

  it('removeAllMetadata: a JPEG with orientation 6 arrives with no Exif or XMP, upright (turned), its profile kept', async () => {
    const jpeg = await jpegWithPlace(320, 240);
    const record = await client({ removeLocation: true, removeAllMetadata: true }).uploadFile(await write('turned.jpg', jpeg));
    const bytes = await received(record.url);
    const markers = jpegSegments(bytes).map((s) => s.marker);
    assert.ok(!markers.includes(0xe1) && !markers.includes(0xed) && !markers.includes(0xfe), markers.map((m) => m.toString(16)).join(' '));
    assert.ok(jpegSegments(bytes).find((s) => s.marker === 0xe2)!.body.subarray(14).equals(iccProfile()), 'the profile is kept');
    const c = await codecs();
    const upright = await c.decode('jpeg', bytes);
    assert.deepEqual([upright.width, upright.height], [240, 320]);
    // Re-encoded at quality 92: close to the original turned as its orientation said.
    const expected = applyOrientation(await c.decode('jpeg', jpeg), 6);
    let diff = 0;
    for (let i = 0; i < expected.data.length; i++) {
      diff += Math.abs(expected.data[i] - upright.data[i]);
    }
    assert.ok(diff / expected.data.length < 4, `mean difference ${diff / expected.data.length}`);
    assert.deepEqual(record.notes, ['all metadata removed', 'turned upright']);
  });

  it('removeAllMetadata: a PNG with orientation 6 arrives with no eXIf or text, its pixels turned exactly', async () => {
    const png = await pngWithPlace(64, 48);
    const record = await client({ removeLocation: true, removeAllMetadata: true }).uploadData(png, 'turned.png');
    const bytes = await received(record.url);
    assert.deepEqual(pngChunks(bytes).map((c) => c.type).filter((t) => /eXIf|tEXt|iTXt|zTXt/.test(t)), []);
    assert.ok(pngChunks(bytes).some((c) => c.type === 'iCCP'), 'the profile is kept');
    const c = await codecs();
    assert.equal(pixelHash(await c.decode('png', bytes)), pixelHash(applyOrientation(await c.decode('png', png), 6)));
  });

  it('removeAllMetadata: a WebP with orientation 6 arrives with no EXIF or XMP chunk, upright, its ICC profile carried over', async () => {
    const record = await client({ removeLocation: true, removeAllMetadata: true }).uploadData(await webpWithPlace(64, 48), 'turned.webp');
    const bytes = await received(record.url);
    const types = webpChunks(bytes).map((chunk) => chunk.type);
    assert.ok(!types.includes('EXIF') && !types.includes('XMP '), types.join(' '));
    assert.ok(webpChunks(bytes).find((chunk) => chunk.type === 'ICCP')!.data.equals(iccProfile()), 'the profile is carried over');
    assert.equal(bytes.readUInt32LE(4) + 8, bytes.length);
    const image = await (await codecs()).decode('webp', bytes);
    assert.deepEqual([image.width, image.height], [48, 64]);
  });

  it('optimisation after location removal: the smaller image has no place, and both are noted', async () => {
    const record = await client(undefined, { maxWidth: 400, format: 'webp' }).uploadFile(await write('both.jpg', await jpegWithPlace(1600, 1200)));
    const bytes = await received(record.url);
    assert.equal(record.fileName, 'both.webp');
    assert.deepEqual(placesIn(bytes, 'webp'), []);
    assert.equal(record.notes?.[0], 'location removed');
    assert.match(record.notes?.[1] ?? '', /400 px wide, WebP$/);
  });

  it('a JPEG damaged in its metadata is refused with a clear message, and nothing is sent', async () => {
    const jpeg = await jpegWithPlace(800, 600);
    const broken = Buffer.from(jpeg);
    broken[2 + 2 + ((jpeg[4] << 8) | jpeg[5])] = 0x00; // where the second segment's marker should be
    const before = emulator.stats.requests;
    for (const upload of [() => client().uploadFile(join(dir, 'x')), () => client().uploadData(broken, 'broken.jpg')]) {
      await fs.writeFile(join(dir, 'x'), broken);
      await assert.rejects(upload(), (e: unknown) => e instanceof UploadError && e.code === 'invalid-input' && /looks damaged.*could not be checked for location data\. Nothing was sent/.test(e.message));
    }
    assert.equal(emulator.stats.requests, before);
  });
});
