import type * as vscode from 'vscode';
import type { Logger } from '../core/types';

/**
 * The core's Logger over the "Kie File Upload" LogOutputChannel. Every line passes a redactor:
 * the key is never written, even if a message from a library happened to contain it.
 */
export class RedactingLogger implements Logger {
  private secrets: string[] = [];

  /** @param tee receives every line as written to the channel (the integration tests read it). */
  constructor(
    private readonly channel: vscode.LogOutputChannel,
    private readonly tee?: (line: string) => void,
  ) {}

  /** The values to hide (the current key); called whenever the key changes. */
  setSecrets(values: readonly (string | undefined)[]): void {
    this.secrets = values.filter((value): value is string => typeof value === 'string' && value.length >= 4);
  }

  trace(message: string): void {
    this.write('trace', message);
  }
  debug(message: string): void {
    this.write('debug', message);
  }
  info(message: string): void {
    this.write('info', message);
  }
  warn(message: string): void {
    this.write('warn', message);
  }
  error(message: string): void {
    this.write('error', message);
  }

  private write(level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string): void {
    const line = this.redact(message);
    this.channel[level](line);
    this.tee?.(`[${level}] ${line}`);
  }

  redact(message: string): string {
    let text = message.replace(/(bearer\s+)[^\s"',;]+/gi, '$1[redacted]');
    for (const secret of this.secrets) {
      text = text.split(secret).join('[redacted]');
    }
    return text;
  }
}
