import * as assert from 'node:assert/strict';
import { codecs } from '../../src/core/images/optimize/codecs';
import { optimizeImage, parseOptimizeSetting } from '../../src/core/images/optimize';
import { describeOptimisation } from '../../src/core/images/optimize/beforeSend';
import { photoLike, pixelHash } from '../fixtures/images';
import { sniffImage } from '../../src/core/images/optimize/sniff';



/** A JPEG with an Exif APP1 segment carrying only the orientation tag. */
function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0, 0, 0];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const app1 = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  return new Uint8Array([0xff, 0xd8, ...app1, ...jpeg.subarray(2)]);
}

describe('image optimisation (jSquash codecs, under plain Node)', function () {
  this.timeout(120_000);
  let photo: Uint8Array;

  before(async () => {
    photo = await (await codecs()).encode('jpeg', photoLike(4000, 3000), 92);
  });

  it('turns a 4000×3000 JPEG into a 1920 px wide WebP, smaller, named .webp', async () => {
    const result = await optimizeImage(photo, 'photo.jpg', parseOptimizeSetting({ maxWidth: 1920, format: 'webp' }));
    assert.equal(result.changed, true);
    assert.equal(result.fileName, 'photo.webp');
    assert.ok(result.bytes.length < photo.length, `${result.bytes.length} < ${photo.length}`);
    assert.equal(sniffImage(result.bytes)?.kind, 'webp');
    const decoded = await (await codecs()).decode('webp', result.bytes);
    assert.deepEqual([decoded.width, decoded.height], [1920, 1440]);
    assert.match(describeOptimisation(result.facts!), /^\d+(\.\d)? MB → \d+(\.\d)? KB, 1920 px wide, WebP$/);
  });

  it('with format "jpeg" and a maxHeight, sends a smaller JPEG within both bounds', async () => {
    const result = await optimizeImage(photo, 'photo.jpeg', parseOptimizeSetting({ maxWidth: 1920, maxHeight: 1000, quality: 70, format: 'jpeg' }));
    assert.equal(result.fileName, 'photo.jpeg');
    assert.ok(result.bytes.length < photo.length);
    const decoded = await (await codecs()).decode('jpeg', result.bytes);
    assert.deepEqual([decoded.width, decoded.height], [1333, 1000]);
    assert.match(describeOptimisation(result.facts!), /1333 px wide, JPEG$/);
  });

  it('turns an Exif orientation 6 photo upright before resizing', async () => {
    const sideways = withOrientation(await (await codecs()).encode('jpeg', photoLike(400, 200), 90), 6);
    const result = await optimizeImage(sideways, 'side.jpg', parseOptimizeSetting({ maxWidth: 100, format: 'webp' }));
    const decoded = await (await codecs()).decode('webp', result.bytes);
    assert.deepEqual([decoded.width, decoded.height], [100, 200], 'a 400×200 image shown rotated is 200 wide and 400 high');
  });

  it('sends a tiny PNG that would grow byte-identical, under its own name', async () => {
    const tiny = await (await codecs()).losslessPng(await (await codecs()).encode('png', photoLike(2, 2), 100));
    const result = await optimizeImage(tiny, 'dot.png', parseOptimizeSetting({ maxWidth: 1920, format: 'jpeg' }));
    assert.equal(result.changed, false);
    assert.equal(result.fileName, 'dot.png');
    assert.deepEqual(Buffer.from(result.bytes), Buffer.from(tiny));
  });

  it('"lossless" makes a PNG smaller with identical decoded pixels, and leaves a JPEG alone', async () => {
    const image = photoLike(600, 400);
    for (let i = 0; i < image.data.length; i += 4) {
      image.data[i + 2] = image.data[i + 2] & 0xf0; // fewer colours: room for oxipng
    }
    const png = await (await codecs()).encode('png', image, 100);
    const result = await optimizeImage(png, 'shot.png', parseOptimizeSetting('lossless'));
    assert.equal(result.changed, true);
    assert.ok(result.bytes.length < png.length, `${result.bytes.length} < ${png.length}`);
    assert.equal(pixelHash(await (await codecs()).decode('png', result.bytes)), pixelHash(await (await codecs()).decode('png', png)));
    const jpeg = await optimizeImage(photo, 'photo.jpg', parseOptimizeSetting('lossless'));
    assert.equal(jpeg.changed, false);
    assert.equal(jpeg.bytes, photo);
  });

  it('sends the original, with a note, above the pixel limit, and after a codec error', async () => {
    const header = await (await codecs()).encode('png', photoLike(2, 2), 100);
    const huge = Uint8Array.from(header);
    new DataView(huge.buffer).setUint32(16, 10_000);
    new DataView(huge.buffer).setUint32(20, 6_000);
    const big = await optimizeImage(huge, 'big.png', parseOptimizeSetting({ maxWidth: 100 }));
    assert.equal(big.bytes, huge);
    assert.match(describeOptimisation(big.facts!), /10000×6000 is over 50 MP/);
    const cut = photo.subarray(0, 2000);
    const broken = await optimizeImage(cut, 'cut.jpg', parseOptimizeSetting({ maxWidth: 100, format: 'webp' }));
    assert.equal(broken.bytes, cut);
    assert.equal(broken.fileName, 'cut.jpg');
    assert.match(broken.error ?? '', /cut short/);
    const garbage = Uint8Array.from([...header.subarray(0, 33), ...Buffer.alloc(60, 7), ...header.subarray(header.length - 12)]);
    const bad = await optimizeImage(garbage, 'bad.png', parseOptimizeSetting({ maxWidth: 1, format: 'webp' }));
    assert.equal(bad.bytes, garbage, 'a PNG whose data cannot be decoded is sent as it was');
    assert.ok(bad.error, 'and the codec error is reported for the log');
  });

  it('refuses a malformed setting with a message naming the field', () => {
    assert.deepEqual(parseOptimizeSetting('off'), { kind: 'off' });
    assert.throws(() => parseOptimizeSetting({ maxWidth: -5 }), /maxWidth/);
    assert.throws(() => parseOptimizeSetting({ quality: 101 }), /quality/);
    assert.throws(() => parseOptimizeSetting({ format: 'gif' }), /format/);
    assert.throws(() => parseOptimizeSetting('fast'), /"off", "lossless"/);
  });
});
