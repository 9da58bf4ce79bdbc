import * as assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import * as fc from 'fast-check';
import * as piexif from 'piexifjs';
import * as exifr from 'exifr';
import { codecs } from '../../src/core/images/optimize/codecs';
import { applyPlan, DamagedImage, memoryAccess, planMetadataRemoval, type MetadataPlan } from '../../src/core/images/metadata';
import {
  exifWithGps,
  heifWithPlace,
  iccProfile,
  jpegSegments,
  jpegWithPlace,
  pixelHash,
  placesIn,
  pngChunk,
  pngChunks,
  pngWithPlace,
  readExif,
  tiffWithPlace,
  VIDEO_PLACE,
  videoWithPlace,
  webpChunks,
  webpWithPlace,
} from '../fixtures/images';

const LOCATION = { removeLocation: true, removeAllMetadata: false };
const ALL = { removeLocation: true, removeAllMetadata: true };

async function run(bytes: Uint8Array, settings = LOCATION): Promise<{ plan: MetadataPlan; out: Buffer }> {
  const plan = await planMetadataRemoval(memoryAccess(bytes), settings);
  assert.ok(plan, 'an image is planned');
  return { plan, out: Buffer.from(await applyPlan(memoryAccess(bytes), plan)) };
}

async function decodedHash(kind: 'jpeg' | 'png' | 'webp', bytes: Uint8Array): Promise<string> {
  return pixelHash(await (await codecs()).decode(kind, bytes));
}

describe('image metadata: location removed before upload', function () {
  this.timeout(60_000);

  it('JPEG: no GPS, XMP or IPTC place is left; orientation, the ICC profile, the length and the pixels are kept', async () => {
    const jpeg = await jpegWithPlace();
    assert.deepEqual(placesIn(jpeg, 'jpeg').sort(), ['Exif GPS', 'segment e1', 'segment ed'], 'the fixture has a place in Exif, XMP and IPTC');
    const { plan, out } = await run(jpeg);
    assert.deepEqual(placesIn(out, 'jpeg'), []);
    assert.deepEqual(plan.notes, ['location']);
    assert.equal(out.length, jpeg.length, 'edited in place');
    const exif = jpegSegments(out).find((s) => s.marker === 0xe1 && s.body.toString('latin1', 0, 4) === 'Exif');
    assert.deepEqual(readExif(exif!.body), { gps: 0, orientation: 6 });
    const icc = jpegSegments(out).find((s) => s.marker === 0xe2);
    assert.ok(icc!.body.subarray(14).equals(iccProfile()), 'the colour profile is untouched');
    const xmp = jpegSegments(out).find((s) => s.body.toString('latin1').startsWith('http://ns.adobe.com/xap/1.0/'))!.body.toString('utf8');
    assert.match(xmp, /xmp:CreatorTool="Kie tests"/);
    assert.match(xmp, /<xmp:Rating>5<\/xmp:Rating>/);
    assert.match(xmp, /<\?xpacket end="w"\?>$/);
    const ps = jpegSegments(out).find((s) => s.marker === 0xed)!.body.toString('latin1');
    assert.match(ps, /a caption/, 'the IPTC caption stays');
    assert.equal(await decodedHash('jpeg', out), await decodedHash('jpeg', jpeg));
  });

  it('PNG: eXIf loses GPS (orientation kept), XMP its place, a "GPS…" text chunk goes; CRCs valid, pixels and profile kept', async () => {
    const png = await pngWithPlace();
    assert.deepEqual(placesIn(png, 'png').sort(), ['eXIf GPS', 'iTXt', 'tEXt']);
    const { plan, out } = await run(png);
    assert.deepEqual(placesIn(out, 'png'), []);
    assert.deepEqual(plan.notes, ['location']);
    const chunks = pngChunks(out);
    assert.ok(chunks.every((c) => c.crcOk), 'every chunk has a valid CRC');
    assert.deepEqual(readExif(chunks.find((c) => c.type === 'eXIf')!.data), { gps: 0, orientation: 6 });
    assert.ok(chunks.some((c) => c.type === 'tEXt' && c.data.toString('latin1').startsWith('Comment')), 'other text stays');
    assert.ok(chunks.find((c) => c.type === 'iCCP')!.data.equals(pngChunks(png).find((c) => c.type === 'iCCP')!.data));
    assert.equal(await decodedHash('png', out), await decodedHash('png', png));
  });

  it('WebP: EXIF loses GPS and XMP its place, in place; the RIFF size, the profile and the pixels are kept', async () => {
    const webp = await webpWithPlace();
    assert.deepEqual(placesIn(webp, 'webp').sort(), ['EXIF GPS', 'XMP ']);
    const { plan, out } = await run(webp);
    assert.deepEqual(placesIn(out, 'webp'), []);
    assert.deepEqual(plan.notes, ['location']);
    assert.equal(out.readUInt32LE(4) + 8, out.length);
    assert.equal(out.length, webp.length);
    assert.deepEqual(readExif(webpChunks(out).find((c) => c.type === 'EXIF')!.data), { gps: 0, orientation: 6 });
    assert.ok(webpChunks(out).find((c) => c.type === 'ICCP')!.data.equals(iccProfile()));
    assert.equal(await decodedHash('webp', out), await decodedHash('webp', webp));
  });

  it('an image without a place is left as it is (no change, no note); other files are not images', async () => {
    const plain = Buffer.from(await (await codecs()).encode('jpeg', { data: new Uint8ClampedArray(64 * 4).fill(200), width: 8, height: 8 }, 80));
    const { plan, out } = await run(plain);
    assert.equal(plan.changed, false);
    assert.deepEqual(plan.notes, []);
    assert.ok(out.equals(plain));
    assert.equal(await planMetadataRemoval(memoryAccess(Buffer.from('# not an image, though named photo.jpg\n')), LOCATION), undefined);
    assert.equal(await planMetadataRemoval(memoryAccess(await jpegWithPlace()), { removeLocation: false, removeAllMetadata: false }), undefined);
  });

  describe('removeAllMetadata', () => {
    it('JPEG: no Exif, XMP, IPTC or comment is left, the profile stays, and orientation 6 is to be turned upright', async () => {
      const jpeg = await jpegWithPlace();
      const { plan, out } = await run(jpeg, ALL);
      assert.deepEqual(jpegSegments(out).map((s) => s.marker.toString(16)).filter((m) => /^e[1-9a-f]$|^fe$/.test(m)), ['e2']);
      assert.equal(plan.orientation, 6);
      assert.deepEqual([...plan.notes], ['all']);
    });

    it('PNG: no eXIf or text chunk is left; WebP: no EXIF or XMP chunk, the VP8X flags cleared, the RIFF size right', async () => {
      const png = (await run(await pngWithPlace(), ALL)).out;
      assert.deepEqual(pngChunks(png).map((c) => c.type).filter((t) => /eXIf|tEXt|iTXt|zTXt/.test(t)), []);
      assert.ok(pngChunks(png).some((c) => c.type === 'iCCP'));
      const { plan, out: webp } = await run(await webpWithPlace(), ALL);
      assert.deepEqual(webpChunks(webp).map((c) => c.type), ['VP8X', 'ICCP', 'VP8 ']);
      assert.equal(webpChunks(webp)[0].data[0] & 0x0c, 0);
      assert.equal(webp.readUInt32LE(4) + 8, webp.length);
      assert.equal(plan.orientation, 6);
      assert.equal(await decodedHash('webp', webp), await decodedHash('webp', await webpWithPlace()));
    });
  });

  describe('damaged and cut images', () => {
    /** What would be sent: the planned bytes, the original when it is not an image it can read, or nothing ('damaged'). */
    async function outcome(bytes: Uint8Array): Promise<'damaged' | Buffer> {
      try {
        const plan = await planMetadataRemoval(memoryAccess(bytes), LOCATION);
        return plan ? Buffer.from(await applyPlan(memoryAccess(bytes), plan)) : Buffer.from(bytes);
      } catch (error) {
        assert.ok(error instanceof DamagedImage, `only DamagedImage, got ${String(error)}`);
        return 'damaged';
      }
    }

    it('a JPEG cut inside its metadata is refused; one cut inside its image data is sent with the place removed and the rest as it was', async () => {
      const jpeg = await jpegWithPlace();
      assert.equal(await outcome(jpeg.subarray(0, 40)), 'damaged');
      const cut = jpeg.subarray(0, jpeg.length - 500);
      const out = await outcome(cut);
      assert.ok(out instanceof Buffer);
      assert.equal(out.length, cut.length);
      assert.deepEqual(placesIn(out, 'jpeg'), []);
      assert.ok(out.subarray(out.length - 2000).equals(cut.subarray(cut.length - 2000)));
    });

    it('a PNG with a bad chunk length and a WebP with a wrong RIFF size are refused', async () => {
      const png = await pngWithPlace();
      const bad = Buffer.from(png);
      bad.writeUInt32BE(0x7ffffff0, 33); // the chunk after IHDR (iCCP)
      assert.equal(await outcome(bad), 'damaged');
      const webp = await webpWithPlace();
      const wrong = Buffer.from(webp);
      wrong.writeUInt32LE(webp.length + 100, 4);
      assert.equal(await outcome(wrong), 'damaged');
    });

    it('a HEIC whose item list claims millions of extents of no size is refused at once; a JPEG that shrinks while it is read ends the walk', async () => {
      const heif = heifWithPlace();
      const iloc = heif.indexOf('iloc', 0, 'latin1') - 4;
      const crafted = Buffer.from(heif);
      crafted[iloc + 12] = 0x00; // offset and length sizes 0
      crafted[iloc + 13] = 0x00; // base offset and index sizes 0
      crafted.writeUInt16BE(0xffff, iloc + 14); // 65535 items
      const started = performance.now();
      await assert.rejects(planMetadataRemoval(memoryAccess(crafted), LOCATION), DamagedImage);
      assert.ok(performance.now() - started < 1000);
      const jpeg = await jpegWithPlace();
      // A file that says it is longer than the bytes it gives (cut while it was read).
      const shrinking = { size: jpeg.length + 5000, read: async (position: number, length: number) => jpeg.subarray(position, position + length) };
      await planMetadataRemoval(shrinking, LOCATION).catch((error: unknown) => assert.ok(error instanceof DamagedImage));
    });

    it('random bytes after a valid header: refused as damaged, or planned within the file — never another error', async () => {
      const heads = [(await jpegWithPlace()).subarray(0, 2), (await pngWithPlace()).subarray(0, 33), (await webpWithPlace()).subarray(0, 30), heifWithPlace().subarray(0, 32), videoWithPlace().subarray(0, 28), tiffWithPlace().subarray(0, 8)];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...heads), fc.uint8Array({ minLength: 0, maxLength: 600 }), async (head, tail) => {
          const bytes = Buffer.concat([head, tail]);
          const result = await outcome(bytes);
          if (result !== 'damaged') {
            assert.ok(result.length <= bytes.length + 8);
          }
        }),
        { numRuns: 600 },
      );
    });

    it('bytes changed at random inside the metadata (Exif offsets, lengths, IPTC sizes): refused as damaged or planned — never another error', async () => {
      const images = [await jpegWithPlace(64, 48), await pngWithPlace(), await webpWithPlace(), heifWithPlace(), heifWithPlace({ exifIn: 'idat' }), videoWithPlace(), tiffWithPlace()];
      await fc.assert(
        fc.asyncProperty(fc.nat(images.length - 1), fc.array(fc.tuple(fc.nat(1500), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (which, edits) => {
          const bytes = Buffer.from(images[which]);
          for (const [at, value] of edits) {
            bytes[at % bytes.length] = value;
          }
          await outcome(bytes);
        }),
        { numRuns: 1500 },
      );
    });
  });
});

describe('image metadata: HEIC and AVIF (the iPhone\'s photos)', () => {
  /** GPS and orientation as exifr (a reader of its own) finds them in the file's Exif item. */
  async function exifOf(bytes: Uint8Array): Promise<{ latitude?: number; Orientation?: number } | undefined> {
    return (await exifr.parse(Buffer.from(bytes), { gps: true, translateValues: false })) as { latitude?: number; Orientation?: number } | undefined;
  }

  /** Where the Exif item starts: its 4-byte offset (6), then `Exif\0\0` (not the item's type in the list). */
  const exifItemAt = (heif: Buffer): number => heif.indexOf('\0\0\0\x06Exif\0\0', 0, 'latin1');

  /** The byte ranges of the fixture's Exif item (with its 4-byte offset) and XMP packet. */
  function itemRanges(heif: Buffer): Array<[number, number]> {
    const exif = exifItemAt(heif);
    const xmp = heif.indexOf('<?xpacket', 0, 'latin1');
    return [
      [exif, exif + 4 + exifWithGps().length],
      [xmp, heif.indexOf('<?xpacket end="w"?>', xmp, 'latin1') + 19],
    ];
  }

  function changedOutside(before: Buffer, after: Buffer, ranges: Array<[number, number]>): number[] {
    const changed: number[] = [];
    for (let i = 0; i < before.length; i++) {
      if (before[i] !== after[i] && !ranges.some(([start, end]) => i >= start && i < end)) {
        changed.push(i);
      }
    }
    return changed;
  }

  it('HEIC and AVIF: the Exif item loses its GPS (orientation kept), the XMP item its place; every other byte stays', async () => {
    for (const brand of ['heic', 'avif'] as const) {
      const heif = heifWithPlace({ brand });
      assert.equal((await exifOf(heif))?.latitude?.toFixed(3), '52.520', 'the fixture has its place where a reader finds it');
      const { plan, out } = await run(heif);
      assert.equal(plan.format, 'heif');
      assert.deepEqual(plan.notes, ['location']);
      assert.equal(out.length, heif.length);
      const exif = await exifOf(out);
      assert.equal(exif?.latitude, undefined, `${brand}: no GPS left`);
      assert.equal(exif?.Orientation, 6, `${brand}: orientation kept`);
      assert.doesNotMatch(out.toString('latin1'), /GPS|Berlin|52,31/, `${brand}: no place in the XMP packet`);
      assert.match(out.toString('latin1'), /xmp:CreatorTool="Kie tests"/, 'the rest of the packet stays');
      assert.deepEqual(changedOutside(heif, out, itemRanges(heif)), [], 'the image, its profile and the boxes are untouched');
      assert.ok(out.includes(iccProfile()));
    }
  });

  it('a HEIC whose Exif block lies in the meta box (idat) loses its GPS there', async () => {
    const heif = heifWithPlace({ exifIn: 'idat' });
    const exifAt = (bytes: Buffer) => bytes.subarray(exifItemAt(bytes) + 4);
    assert.ok(readExif(exifAt(heif)).gps > 0);
    const { out } = await run(heif);
    assert.equal(readExif(exifAt(out)).gps, 0);
    assert.equal(readExif(exifAt(out)).orientation, 6);
    assert.deepEqual(changedOutside(heif, out, itemRanges(heif)), []);
  });

  it('removeAllMetadata: no Exif tag and an empty XMP packet are left, nothing is turned, the length stays', async () => {
    const heif = heifWithPlace();
    const { plan, out } = await run(heif, ALL);
    assert.deepEqual(plan.notes, ['all']);
    assert.equal(plan.orientation, 1, 'HEIF is shown turned by its irot property, not by Exif');
    assert.equal(out.length, heif.length);
    assert.equal(await exifOf(out), undefined);
    assert.doesNotMatch(out.toString('latin1'), /GPS|Berlin|CreatorTool|Kie Test Camera/);
    assert.match(out.toString('latin1'), /<x:xmpmeta xmlns:x="adobe:ns:meta\/"\/>/);
  });

  it('a HEIC without metadata items is left as it is; a broken meta box or an item outside the file is refused', async () => {
    const plain = heifWithPlace();
    plain.write('hvc1', plain.indexOf('Exif', plain.indexOf('iinf', 0, 'latin1'), 'latin1'), 'latin1'); // the Exif item is now an image
    plain.write('hvc1', plain.indexOf('mime', plain.indexOf('iinf', 0, 'latin1'), 'latin1'), 'latin1');
    const untouched = await planMetadataRemoval(memoryAccess(plain), LOCATION);
    assert.equal(untouched?.changed, false);
    const meta = plain.indexOf('meta', 0, 'latin1') - 4;
    const broken = heifWithPlace();
    broken.writeUInt32BE(broken.length, meta);
    await assert.rejects(planMetadataRemoval(memoryAccess(broken), LOCATION), DamagedImage);
    const cut = heifWithPlace().subarray(0, heifWithPlace().length - 600);
    await assert.rejects(planMetadataRemoval(memoryAccess(cut), LOCATION), /lies outside the file/);
  });
});

describe('image metadata: TIFF and camera raw files (DNG, NEF, CR2 …)', () => {
  async function exifOf(bytes: Uint8Array): Promise<Record<string, unknown>> {
    return (await exifr.parse(Buffer.from(bytes), { gps: true, xmp: true, translateValues: false })) as Record<string, unknown>;
  }

  it('the GPS directory leaves IFD0 and its values are zeroed, XMP loses its place; make, orientation, Exif and the image stay', async () => {
    const tiff = tiffWithPlace();
    assert.equal((await exifOf(tiff)).latitude !== undefined, true, 'the fixture has its place where a reader finds it');
    for (const settings of [LOCATION, ALL]) {
      const { plan, out } = await run(tiff, settings);
      assert.equal(plan.format, 'tiff');
      assert.deepEqual(plan.notes, ['location'], 'a raw converter needs the rest, so it stays even with removeAllMetadata');
      assert.equal(out.length, tiff.length);
      const exif = await exifOf(out);
      assert.equal(exif.latitude, undefined);
      assert.equal(exif.GPSLatitude, undefined);
      assert.equal(exif.Orientation, 6);
      assert.equal(exif.Make, 'Kie Test Camera');
      assert.ok(exif.DateTimeOriginal, 'the Exif directory is still found');
      assert.doesNotMatch(out.toString('latin1'), /GPS|Berlin|52,31/);
      assert.ok(out.subarray(-64 * 1024).equals(tiff.subarray(-64 * 1024)), 'the image data is untouched');
    }
  });

  it('a TIFF whose first directory or XMP packet lies outside the file is refused; one without a place is left as it is', async () => {
    const tiff = tiffWithPlace();
    const lost = Buffer.from(tiff);
    lost.writeUInt32BE(tiff.length + 10, 4);
    await assert.rejects(planMetadataRemoval(memoryAccess(lost), LOCATION), /its first directory lies outside the file/);
    const { out } = await run(tiff);
    const again = await planMetadataRemoval(memoryAccess(out), LOCATION);
    assert.equal(again?.changed, false, 'nothing left to remove');
  });
});

describe('image metadata: a phone\'s videos (QuickTime and MP4)', () => {
  const PLACE = /52\.52|013\.40|Berlin|GPS/;

  it('©xyz boxes become empty free boxes, the location keys\' values spaces, XMP loses its place; the make and the media stay', async () => {
    for (const brand of ['qt', 'mp4'] as const) {
      const video = videoWithPlace({ brand });
      assert.match(video.toString('latin1'), PLACE);
      const { plan, out } = await run(video);
      assert.equal(plan.format, 'mp4');
      assert.deepEqual(plan.notes, ['location']);
      assert.equal(out.length, video.length);
      const text = out.toString('latin1');
      assert.doesNotMatch(text, PLACE, `${brand}: no place left anywhere in the file`);
      assert.ok(!text.includes('\xa9xyz'), 'no ©xyz box left');
      assert.equal(text.split('Kie Test Camera').length - 1, 2, 'the ©mak box and the make key keep their value');
      assert.match(text, /com\.apple\.quicktime\.location\.ISO6709/, 'the keys stay; their values are spaces');
      assert.match(text, /xmp:CreatorTool="Kie tests"/);
      assert.ok(out.subarray(-8192).equals(video.subarray(-8192)), 'the media data is untouched');
    }
  });

  it('removeAllMetadata: the user data, the metadata and the XMP box become empty free boxes; the movie\'s structure and media stay', async () => {
    const video = videoWithPlace();
    const { plan, out } = await run(video, ALL);
    assert.deepEqual(plan.notes, ['all']);
    assert.equal(plan.orientation, 1);
    assert.equal(out.length, video.length);
    const text = out.toString('latin1');
    assert.doesNotMatch(text, /Kie Test Camera|CreatorTool|com\.apple|52\.52|Berlin/);
    assert.match(text, /moov[\s\S]*mvhd[\s\S]*trak[\s\S]*tkhd/);
    assert.ok(out.subarray(-8192).equals(video.subarray(-8192)));
  });

  it('a video cut in its media data loses its place all the same; one whose moov runs past the end is refused', async () => {
    const video = videoWithPlace();
    const cut = video.subarray(0, video.length - 100);
    const { out } = await run(cut);
    assert.equal(out.length, cut.length);
    assert.doesNotMatch(out.toString('latin1'), PLACE);
    const broken = Buffer.from(video);
    broken.writeUInt32BE(video.length, video.indexOf('moov', 0, 'latin1') - 4);
    await assert.rejects(planMetadataRemoval(memoryAccess(broken), LOCATION), DamagedImage);
    assert.ok(video.includes(VIDEO_PLACE), 'the fixture holds its place');
  });
});

describe('image metadata: other writers', () => {
  it('a little-endian Exif block (II) loses its GPS directory too, keeping its orientation', async () => {
    // The same tags as piexifjs writes, in Intel byte order: IFD0 with Orientation and the GPS pointer, a GPS IFD with latitude.
    const tiff = Buffer.alloc(80);
    tiff.write('II', 0, 'latin1');
    tiff.writeUInt16LE(42, 2);
    tiff.writeUInt32LE(8, 4);
    tiff.writeUInt16LE(2, 8);
    tiff.writeUInt16LE(0x0112, 10); tiff.writeUInt16LE(3, 12); tiff.writeUInt32LE(1, 14); tiff.writeUInt16LE(6, 18);
    tiff.writeUInt16LE(0x8825, 22); tiff.writeUInt16LE(4, 24); tiff.writeUInt32LE(1, 26); tiff.writeUInt32LE(38, 30);
    tiff.writeUInt32LE(0, 34);
    tiff.writeUInt16LE(1, 38);
    tiff.writeUInt16LE(2, 40); tiff.writeUInt16LE(5, 42); tiff.writeUInt32LE(3, 44); tiff.writeUInt32LE(56, 48);
    tiff.writeUInt32LE(0, 52);
    for (let i = 0; i < 6; i++) {
      tiff.writeUInt32LE([52, 1, 31, 1, 1234, 100][i], 56 + i * 4);
    }
    assert.equal(readExif(tiff).gps, 1, 'the fixture has GPS');
    const jpeg = await jpegWithPlace(32, 24);
    const segments = jpegSegments(jpeg);
    const exifIndex = segments.findIndex((s) => s.body.toString('latin1', 0, 4) === 'Exif');
    let at = 2;
    for (let i = 0; i < exifIndex; i++) {
      at += 4 + segments[i].body.length;
    }
    const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
    const head = Buffer.from([0xff, 0xe1, 0, 0]);
    head.writeUInt16BE(body.length + 2, 2);
    const patched = Buffer.concat([jpeg.subarray(0, at), head, body, jpeg.subarray(at + 4 + segments[exifIndex].body.length)]);
    const { out } = await run(patched);
    const exif = jpegSegments(out).find((s) => s.body.toString('latin1', 0, 4) === 'Exif')!;
    assert.deepEqual(readExif(exif.body), { gps: 0, orientation: 6 });
  });

  it('a PNG whose ImageMagick raw Exif profile (zTXt) holds GPS loses that chunk; one without GPS keeps it', async () => {
    const png = await pngWithPlace();
    const ihdrEnd = 8 + 25;
    const raw = (exif: Buffer) => {
      const hex = exif.toString('hex').replace(/(.{72})/g, '$1\n');
      const text = Buffer.from(`\nexif\n${String(exif.length).padStart(8)}\n${hex}\n`, 'latin1');
      return pngChunk('zTXt', Buffer.concat([Buffer.from('Raw profile type exif\0\0', 'latin1'), deflateSync(text)]));
    };
    const withGps = Buffer.concat([png.subarray(0, ihdrEnd), raw(exifWithGps()), png.subarray(ihdrEnd)]);
    const { out } = await run(withGps);
    assert.ok(!pngChunks(out).some((c) => c.type === 'zTXt'), 'the raw profile with GPS is gone');
    const plainExif = Buffer.from(piexif.dump({ '0th': { [piexif.ImageIFD.Orientation]: 3 } }), 'binary');
    const without = Buffer.concat([png.subarray(0, ihdrEnd), raw(plainExif), png.subarray(ihdrEnd)]);
    assert.ok(pngChunks((await run(without)).out).some((c) => c.type === 'zTXt'), 'a raw profile without GPS stays');
  });

  it('a PNG whose raw IPTC profile (as exiftool writes one: 8BIM resources) names a city loses that chunk; one with a caption only keeps it', async () => {
    const png = await pngWithPlace();
    const ihdrEnd = 8 + 25;
    const dataset = (number: number, text: string) => Buffer.concat([Buffer.from([0x1c, 2, number, 0, text.length]), Buffer.from(text, 'latin1')]);
    const raw = (iptc: Buffer) => {
      const resource = Buffer.concat([Buffer.from('8BIM', 'latin1'), Buffer.from([0x04, 0x04, 0, 0, 0, 0, 0, iptc.length]), iptc]);
      const text = Buffer.from(`\nIPTC profile\n${String(resource.length).padStart(8)}\n${resource.toString('hex')}\n`, 'latin1');
      return pngChunk('zTXt', Buffer.concat([Buffer.from('Raw profile type iptc\0\0', 'latin1'), deflateSync(text)]));
    };
    const withCity = Buffer.concat([png.subarray(0, ihdrEnd), raw(dataset(90, 'Berlin')), png.subarray(ihdrEnd)]);
    const { plan, out } = await run(withCity);
    assert.ok(!pngChunks(out).some((c) => c.type === 'zTXt'), 'the raw IPTC profile naming the city is gone');
    assert.ok(plan.notes.includes('location'));
    const captionOnly = Buffer.concat([png.subarray(0, ihdrEnd), raw(dataset(120, 'a caption')), png.subarray(ihdrEnd)]);
    assert.ok(pngChunks((await run(captionOnly)).out).some((c) => c.type === 'zTXt'), 'a raw IPTC profile without a place stays');
  });
});
