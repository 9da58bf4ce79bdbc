import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { UploadError } from '../../src/core/errors';
import { normalizeUploadResponse, type ResponseContext } from '../../src/core/response';

const context: ResponseContext = {
  method: 'stream',
  source: 'file:///work/a.png',
  requestedFileName: 'a.png',
  requestedUploadPath: 'vscode-uploads',
  knownSize: 10,
  knownMimeType: 'image/png',
  retentionHours: 72,
  now: new Date('2026-01-01T00:00:00.000Z'),
};

const quickstart = {
  success: true,
  code: 200,
  msg: 'File uploaded successfully',
  data: {
    fileId: 'file_abc123456',
    fileName: 'my-image.jpg',
    originalName: 'sample-image.jpg',
    fileSize: 245760,
    mimeType: 'image/jpeg',
    uploadPath: 'images',
    fileUrl: 'https://files.example/files/images/my-image.jpg',
    downloadUrl: 'https://files.example/download/file_abc123456',
    uploadTime: '2025-01-15T10:30:00Z',
    expiresAt: '2025-01-18T10:30:00Z',
  },
};

const reference = {
  success: true,
  code: 200,
  msg: 'File uploaded successfully',
  data: {
    fileName: 'uploaded-image.png',
    filePath: 'images/user-uploads/uploaded-image.png',
    downloadUrl: 'https://tempfile.example/xxx/images/user-uploads/uploaded-image.png',
    fileSize: 154832,
    mimeType: 'image/png',
    uploadedAt: '2025-01-01T12:00:00.000Z',
  },
};

function expectError(body: unknown, code: string, pattern?: RegExp): void {
  assert.throws(
    () => normalizeUploadResponse(body, context),
    (error: unknown) => error instanceof UploadError && error.code === code && (!pattern || pattern.test(error.message)),
  );
}

describe('normalizeUploadResponse', () => {
  it('reads the quickstart shape: fileUrl is the link, the service expiry is kept', () => {
    const record = normalizeUploadResponse(quickstart, context);
    assert.deepEqual(record, {
      id: 'file_abc123456',
      fileName: 'my-image.jpg',
      fileSize: 245760,
      mimeType: 'image/jpeg',
      uploadPath: 'images',
      url: 'https://files.example/files/images/my-image.jpg',
      downloadUrl: 'https://files.example/download/file_abc123456',
      uploadedAt: '2025-01-15T10:30:00.000Z',
      expiresAt: '2025-01-18T10:30:00.000Z',
      method: 'stream',
      source: 'file:///work/a.png',
    });
  });

  it('reads the reference shape: downloadUrl is the link, expiry is upload time + retention', () => {
    const record = normalizeUploadResponse(reference, { ...context, retentionHours: 24 });
    assert.equal(record.url, reference.data.downloadUrl);
    assert.equal(record.downloadUrl, reference.data.downloadUrl);
    assert.equal(record.uploadPath, 'images/user-uploads');
    assert.equal(record.uploadedAt, '2025-01-01T12:00:00.000Z');
    assert.equal(record.expiresAt, '2025-01-02T12:00:00.000Z');
    assert.equal(record.fileName, 'uploaded-image.png');
  });

  it('fills what the service left out from what the client knew', () => {
    const record = normalizeUploadResponse({ success: true, code: 200, data: { downloadUrl: 'https://h.example/f/x.png' } }, context);
    assert.equal(record.fileName, 'a.png');
    assert.equal(record.fileSize, 10);
    assert.equal(record.mimeType, 'image/png');
    assert.equal(record.uploadPath, 'vscode-uploads');
    assert.equal(record.uploadedAt, context.now.toISOString());
    assert.equal(record.expiresAt, '2026-01-04T00:00:00.000Z');
  });

  it('treats success:false or a body code other than 200 as a failure, showing msg', () => {
    expectError({ success: false, code: 400, msg: 'Unsupported format' }, 'bad-request', /Unsupported format/);
    expectError({ success: true, code: 500, msg: 'boom', data: quickstart.data }, 'server', /boom/);
    expectError({ success: false, code: 401, msg: 'Invalid key' }, 'unauthorized', /Invalid key/);
    expectError({ success: false, msg: 'no code' }, 'bad-request', /no code/);
  });

  it('calls a body without data or without a usable link a protocol error', () => {
    expectError({ success: true, code: 200 }, 'protocol', /no file details/);
    expectError({ success: true, code: 200, data: { fileName: 'x' } }, 'protocol', /no link/);
    expectError({ success: true, code: 200, data: { downloadUrl: 'javascript:alert(1)' } }, 'protocol', /no link/);
    expectError('<html>', 'protocol');
    expectError(null, 'protocol');
    expectError([quickstart], 'protocol');
  });

  it('never throws anything but an UploadError, whatever JSON arrives', () => {
    const anyJson = fc.jsonValue();
    const envelopeLike = fc.record(
      {
        success: fc.oneof(fc.boolean(), fc.jsonValue()),
        code: fc.oneof(fc.constant(200), fc.integer(), fc.jsonValue()),
        msg: fc.oneof(fc.string(), fc.jsonValue()),
        data: fc.oneof(
          fc.record(
            {
              fileId: fc.jsonValue(),
              fileName: fc.oneof(fc.string(), fc.jsonValue()),
              fileSize: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.jsonValue()),
              fileUrl: fc.oneof(fc.webUrl(), fc.string(), fc.jsonValue()),
              downloadUrl: fc.oneof(fc.webUrl(), fc.string(), fc.jsonValue()),
              filePath: fc.oneof(fc.string(), fc.jsonValue()),
              uploadTime: fc.oneof(fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())), fc.string(), fc.integer(), fc.jsonValue()),
              uploadedAt: fc.oneof(fc.string(), fc.double(), fc.jsonValue()),
              expiresAt: fc.oneof(fc.string(), fc.integer(), fc.jsonValue()),
              mimeType: fc.jsonValue(),
              uploadPath: fc.jsonValue(),
            },
            { requiredKeys: [] },
          ),
          fc.jsonValue(),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(anyJson, envelopeLike), (body) => {
        try {
          const record = normalizeUploadResponse(body, context);
          // Whatever was accepted is a usable record.
          assert.match(record.url, /^https?:\/\//);
          assert.ok(!Number.isNaN(Date.parse(record.expiresAt)));
          assert.ok(Number.isSafeInteger(record.fileSize) && record.fileSize >= 0);
        } catch (error) {
          assert.ok(error instanceof UploadError, `threw ${String(error)}`);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
