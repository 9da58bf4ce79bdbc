import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KieClient } from '../../src/core/client';
import { codecs } from '../../src/core/images/optimize/codecs';
import { UploadError } from '../../src/core/errors';
import { photoLike } from '../fixtures/images';
import { startEmulator, type Emulator } from '../emulator/server';

const KEY = 'test-key-123456';


describe('kieUpload.images.optimize: what reaches the emulator', function () {
  this.timeout(180_000);
  let emulator: Emulator;
  let dir: string;
  let photoPath: string;
  let photo: Buffer;
  const logs: string[] = [];

  const client = (imageOptimize: unknown) =>
    new KieClient(
      { baseUrl: emulator.url, uploadPath: 'tests', retentionHours: 72, imageOptimize },
      { getApiKey: () => KEY, logger: { trace() {}, debug() {}, info() {}, warn: (m) => logs.push(m), error: (m) => logs.push(m) } },
    );

  async function received(url: string): Promise<Buffer> {
    const response = await fetch(url);
    assert.equal(response.status, 200);
    return Buffer.from(await response.arrayBuffer());
  }

  before(async () => {
    emulator = await startEmulator({ apiKey: KEY });
    dir = await fs.mkdtemp(join(tmpdir(), 'kie-optimize-'));
    photo = Buffer.from(await (await codecs()).encode('jpeg', photoLike(4000, 3000), 92));
    photoPath = join(dir, 'photo.jpg');
    await fs.writeFile(photoPath, photo);
  });

  after(async () => {
    await emulator.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  for (const [format, kind, name, label] of [['webp', 'webp', 'photo.webp', 'WebP'], ['jpeg', 'jpeg', 'photo.jpg', 'JPEG']] as const) {
    it(`a 4000×3000 photo with { maxWidth: 1920, format: "${format}" } arrives 1920 px wide, ${label}, smaller, its record noted`, async () => {
      const record = await client({ maxWidth: 1920, format }).uploadFile(photoPath);
      const bytes = await received(record.url);
      assert.ok(bytes.length < photo.length, `${bytes.length} < ${photo.length}`);
      assert.equal(record.fileName, name);
      assert.equal(record.fileSize, bytes.length);
      const decoded = await (await codecs()).decode(kind, bytes);
      assert.deepEqual([decoded.width, decoded.height], [1920, 1440]);
      assert.match(record.notes?.[0] ?? '', new RegExp(`^\\d+(\\.\\d)? MB → \\d+(\\.\\d)? KB, 1920 px wide, ${label}$`));
    });
  }

  it('sends a tiny PNG that would grow byte-identical, with no note', async () => {
    const tiny = Buffer.from(await (await codecs()).losslessPng(await (await codecs()).encode('png', photoLike(2, 2), 100)));
    const path = join(dir, 'dot.png');
    await fs.writeFile(path, tiny);
    const record = await client({ maxWidth: 1920, format: 'jpeg' }).uploadFile(path);
    assert.ok((await received(record.url)).equals(tiny));
    assert.equal(record.fileName, 'dot.png');
    assert.equal(record.notes, undefined);
  });

  it('"lossless" sends a pasted PNG smaller with the same decoded pixels', async () => {
    const image = photoLike(500, 300);
    image.data.forEach((v, i) => (image.data[i] = i % 4 === 3 ? 255 : v & 0xe0));
    const png = await (await codecs()).encode('png', image, 100);
    const record = await client('lossless').uploadData(png, 'paste.png');
    const bytes = await received(record.url);
    assert.ok(bytes.length < png.length);
    const hash = async (b: Uint8Array) => createHash('sha256').update((await (await codecs()).decode('png', b)).data).digest('hex');
    assert.equal(await hash(bytes), await hash(png));
    assert.match(record.notes?.[0] ?? '', /lossless PNG$/);
  });

  it('a cut JPEG is sent as it was and the reason logged; a malformed setting sends nothing', async () => {
    const cut = photo.subarray(0, 5000);
    const record = await client({ maxWidth: 100, format: 'webp' }).uploadData(cut, 'cut.jpg');
    assert.ok((await received(record.url)).equals(cut));
    assert.ok(logs.some((m) => /cut\.jpg.*cut short.*original is sent/.test(m)), logs.join('\n'));
    const before = emulator.stats.requests;
    await assert.rejects(client({ maxWidth: 0 }).uploadFile(photoPath), (e: unknown) => e instanceof UploadError && e.code === 'invalid-input' && /maxWidth/.test(e.message));
    assert.equal(emulator.stats.requests, before, "no request was sent");
  });
});
