import { UploadError } from './errors';
import type { Logger, UploadOutcome, UploadRecord } from './types';

/**
 * Settles an upload into an `UploadOutcome`: the exported API and the commands never reject for
 * an upload failure. Errors that are not `UploadError`s are bugs: logged with their stack.
 */
export async function settleUpload(source: string, upload: () => Promise<UploadRecord>, logger: Logger): Promise<UploadOutcome> {
  try {
    return { source, record: await upload() };
  } catch (error) {
    if (error instanceof UploadError) {
      logger.info(`Upload of ${source} failed (${error.code}): ${error.message}`);
      return { source, error: { code: error.code, message: error.message } };
    }
    logger.error(`Upload of ${source} failed unexpectedly: ${(error as Error)?.stack ?? String(error)}`);
    return { source, error: { code: 'protocol', message: `Unexpected failure: ${(error as Error)?.message ?? String(error)}` } };
  }
}
