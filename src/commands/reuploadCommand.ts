import type { UploadHistory } from '../core/history';
import type { UploadOutcome, UploadRecord } from '../core/types';
import type { UploadFlow } from '../upload/uploadFlow';
import type { UploadService } from '../upload/uploadService';
import { UploadNode } from '../views/recentUploadsView';
import { CommandIds } from './command';
import { HistoryItemCommand } from './linkCommands';

/**
 * `kieUpload.reupload(item)`: uploads again to the same folder and name, so the link stays and
 * its expiry starts afresh. One item resolves with its outcome, a selection with one per item.
 */
export class ReuploadCommand extends HistoryItemCommand<UploadOutcome | UploadOutcome[]> {
  readonly id = CommandIds.reupload;

  constructor(
    history: UploadHistory,
    private readonly uploads: UploadService,
    private readonly flow: UploadFlow,
  ) {
    super(history);
  }

  protected async run(records: UploadRecord[], clicked?: unknown): Promise<UploadOutcome | UploadOutcome[]> {
    const outcomes = await this.flow.run(
      records.map((record) => ({
        label: record.fileName,
        size: record.fileSize,
        start: (controls) => this.uploads.reupload(record, controls),
        startAnyway: (controls) => this.uploads.reupload(record, controls, { allowSensitive: true }),
      })),
      // One entry clicked in Recent Uploads is a person's choice: a local file that now looks like it
      // holds a secret is asked about. Automation (a record or an id) gets the 'sensitive' outcome.
      { interactive: false, confirmSensitive: records.length === 1 && clicked instanceof UploadNode },
    );
    return records.length === 1 ? outcomes[0] : outcomes;
  }
}
