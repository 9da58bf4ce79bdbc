import * as vscode from 'vscode';
import { CommandIds } from '../commands/command';
import { throttle } from '../core/throttle';

/** How often the count of a running batch is redrawn at most (each redraw is a message to the workbench). */
const STATUS_THROTTLE_MS = 100;

export type TransferKind = 'upload' | 'download';

/**
 * The uploads and downloads in flight: a status-bar item while any run (click: cancel them), and
 * the cancellation of every running batch at once.
 */
export class UploadStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('kieUpload.status', vscode.StatusBarAlignment.Left, 10);
  private readonly batches = new Map<AbortController, { count: number; kind: TransferKind }>();
  private readonly renderSoon = throttle(() => this.render(), STATUS_THROTTLE_MS);

  constructor() {
    this.item.name = vscode.l10n.t('Kie Uploads in Progress');
    this.item.command = CommandIds.cancelUploads;
  }

  /** Registers a batch of `count` uploads (or downloads); returns its signal and a function to call when it ends. */
  begin(count: number, kind: TransferKind = 'upload'): { signal: AbortSignal; setRemaining(remaining: number): void; end(): void } {
    const controller = new AbortController();
    this.batches.set(controller, { count, kind });
    this.render();
    return {
      signal: controller.signal,
      setRemaining: (remaining) => {
        if (this.batches.has(controller)) {
          this.batches.set(controller, { count: remaining, kind });
          // A folder of thousands counts down with every file: the status bar follows every 100 ms.
          this.renderSoon();
        }
      },
      end: () => {
        this.batches.delete(controller);
        this.render();
      },
    };
  }

  /** Cancels every batch in flight; resolves with how many uploads and downloads were still to finish. */
  cancelAll(): number {
    let remaining = 0;
    for (const [controller, { count }] of this.batches) {
      remaining += count;
      controller.abort();
    }
    return remaining;
  }

  get inFlight(): number {
    return this.count();
  }

  private count(kind?: TransferKind): number {
    let sum = 0;
    for (const batch of this.batches.values()) {
      sum += kind === undefined || batch.kind === kind ? batch.count : 0;
    }
    return sum;
  }

  dispose(): void {
    this.cancelAll();
    this.renderSoon.dispose();
    this.item.dispose();
  }

  private render(): void {
    const count = this.inFlight;
    if (count === 0) {
      this.item.hide();
      return;
    }
    const uploads = this.count('upload');
    const downloads = this.count('download');
    const parts = [
      ...(uploads > 0 ? [vscode.l10n.t('Uploading {0}', uploads)] : []),
      ...(downloads > 0 ? [vscode.l10n.t('Downloading {0}', downloads)] : []),
    ];
    this.item.text = `$(sync~spin) ${parts.join(', ')}`;
    this.item.tooltip =
      downloads === 0
        ? vscode.l10n.t('{0} Kie uploads in progress. Click to cancel them.', count)
        : vscode.l10n.t('{0} Kie uploads and downloads in progress. Click to cancel them.', count);
    this.item.show();
  }
}
