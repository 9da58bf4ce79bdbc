import * as vscode from 'vscode';
import { CommandIds } from './commands/command';

/**
 * The uploads in flight: a status-bar item while any run (click: cancel them), and the
 * cancellation of every running batch at once.
 */
export class UploadStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('kieUpload.status', vscode.StatusBarAlignment.Left, 10);
  private readonly batches = new Map<AbortController, number>();

  constructor() {
    this.item.name = vscode.l10n.t('Kie Uploads in Progress');
    this.item.command = CommandIds.cancelUploads;
  }

  /** Registers a batch of `count` uploads; returns its signal and a function to call when it ends. */
  begin(count: number): { signal: AbortSignal; setRemaining(remaining: number): void; end(): void } {
    const controller = new AbortController();
    this.batches.set(controller, count);
    this.render();
    return {
      signal: controller.signal,
      setRemaining: (remaining) => {
        if (this.batches.has(controller)) {
          this.batches.set(controller, remaining);
          this.render();
        }
      },
      end: () => {
        this.batches.delete(controller);
        this.render();
      },
    };
  }

  /** Cancels every batch in flight; resolves with how many uploads were still to finish. */
  cancelAll(): number {
    let remaining = 0;
    for (const [controller, count] of this.batches) {
      remaining += count;
      controller.abort();
    }
    return remaining;
  }

  get inFlight(): number {
    return [...this.batches.values()].reduce((sum, count) => sum + count, 0);
  }

  dispose(): void {
    this.cancelAll();
    this.item.dispose();
  }

  private render(): void {
    const count = this.inFlight;
    if (count === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(sync~spin) ${vscode.l10n.t('Uploading {0}', count)}`;
    this.item.tooltip = vscode.l10n.t('{0} Kie uploads in progress. Click to cancel them.', count);
    this.item.show();
  }
}
