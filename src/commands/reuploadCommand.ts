import type { UploadHistory } from '../core/history';
import type { UploadOutcome, UploadRecord } from '../core/types';
import { reuploadRecords, type ReuploadDeps } from '../upload/reupload';
import { UploadNode } from '../views/recentUploadsView';
import { CommandIds } from './command';
import { HistoryItemCommand } from './historyItems';

/**
 * `kieUpload.reupload(item)`: uploads again to the same folder and name, so the link stays and
 * its expiry starts afresh. One item resolves with its outcome, a selection with one per item.
 */
export class ReuploadCommand extends HistoryItemCommand<UploadOutcome | UploadOutcome[]> {
  readonly id = CommandIds.reupload;

  constructor(
    history: UploadHistory,
    private readonly deps: ReuploadDeps,
  ) {
    super(history);
  }

  protected async run(records: UploadRecord[], clicked?: unknown): Promise<UploadOutcome | UploadOutcome[]> {
    // One entry clicked in Recent Uploads is a person's choice; automation (a record or an id) is not.
    const outcomes = await reuploadRecords(this.deps, records, clicked instanceof UploadNode);
    return records.length === 1 ? outcomes[0] : outcomes;
  }
}
