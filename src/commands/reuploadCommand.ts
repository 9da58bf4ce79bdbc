import type { UploadHistory } from '../core/history';
import type { UploadOutcome, UploadRecord } from '../core/types';
import type { UploadFlow } from '../uploadFlow';
import type { UploadService } from '../uploadService';
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

  protected async run(records: UploadRecord[]): Promise<UploadOutcome | UploadOutcome[]> {
    const outcomes = await this.flow.run(
      records.map((record) => ({ label: record.fileName, size: record.fileSize, start: (controls) => this.uploads.reupload(record, controls) })),
      { interactive: false },
    );
    return records.length === 1 ? outcomes[0] : outcomes;
  }
}
