import type { UploadHistory } from '../core/history';
import type { UploadRecord } from '../core/types';
import type { KeepAliveService } from '../history/keepAlive';
import { CommandIds } from './command';
import { HistoryItemCommand } from './historyItems';

/** `kieUpload.stopKeepAlive(item)`: the links are no longer renewed; resolves with the unmarked records. */
export class StopKeepAliveCommand extends HistoryItemCommand<UploadRecord | UploadRecord[]> {
  readonly id = CommandIds.stopKeepAlive;

  constructor(
    history: UploadHistory,
    private readonly keepAlive: KeepAliveService,
  ) {
    super(history);
  }

  protected async run(records: UploadRecord[]): Promise<UploadRecord | UploadRecord[]> {
    const unmarked = await this.keepAlive.stop(records);
    return records.length === 1 ? unmarked[0] : unmarked;
  }
}
