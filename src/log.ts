import type * as vscode from 'vscode';
import type { Logger } from './core/types';

/**
 * The core's Logger over the "Kie File Upload" LogOutputChannel. Every line passes a redactor:
 * the key is never written, even if a message from a library happened to contain it.
 */
export class RedactingLogger implements Logger {
  private secrets: string[] = [];

  constructor(private readonly channel: vscode.LogOutputChannel) {}

  /** The values to hide (the current key); called whenever the key changes. */
  setSecrets(values: readonly (string | undefined)[]): void {
    this.secrets = values.filter((value): value is string => typeof value === 'string' && value.length >= 4);
  }

  trace(message: string): void {
    this.channel.trace(this.redact(message));
  }
  debug(message: string): void {
    this.channel.debug(this.redact(message));
  }
  info(message: string): void {
    this.channel.info(this.redact(message));
  }
  warn(message: string): void {
    this.channel.warn(this.redact(message));
  }
  error(message: string): void {
    this.channel.error(this.redact(message));
  }

  redact(message: string): string {
    let text = message.replace(/(bearer\s+)[^\s"',;]+/gi, '$1[redacted]');
    for (const secret of this.secrets) {
      text = text.split(secret).join('[redacted]');
    }
    return text;
  }
}
