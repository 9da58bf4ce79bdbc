import type { UploadOutcome, UploadRecord } from '../core/types';
import type { UploadFlow } from './uploadFlow';
import type { UploadService } from './uploadService';

export interface ReuploadDeps {
  uploads: UploadService;
  flow: UploadFlow;
}

/**
 * Uploads history entries again to the same folder and name, so their links stay and their expiry
 * starts afresh, as one batch with progress and a summary. `personChoseOne`: a single entry a person
 * picked (in Recent Uploads), so a local file that now looks like it holds a secret is asked about;
 * otherwise such a file gets the 'sensitive' outcome.
 */
export function reuploadRecords(deps: ReuploadDeps, records: readonly UploadRecord[], personChoseOne = false): Promise<UploadOutcome[]> {
  return deps.flow.run(
    records.map((record) => ({
      label: record.fileName,
      size: record.fileSize,
      start: (controls) => deps.uploads.reupload(record, controls),
      startAnyway: (controls) => deps.uploads.reupload(record, controls, { allowSensitive: true }),
    })),
    { interactive: false, confirmSensitive: personChoseOne && records.length === 1 },
  );
}
