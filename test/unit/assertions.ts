import * as assert from 'node:assert/strict';
import { UploadError } from '../../src/core/errors';
import type { ErrorCode } from '../../src/core/types';

/** Awaits a promise that must fail with an UploadError of `code` (and a message matching `pattern`). */
export async function expectFailure(promise: Promise<unknown>, code: ErrorCode, pattern?: RegExp): Promise<UploadError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UploadError, `expected an UploadError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) {
      assert.match(error.message, pattern);
    }
    return error;
  }
  assert.fail(`expected a ${code} failure`);
}
