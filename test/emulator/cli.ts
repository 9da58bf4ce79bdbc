/**
 * Command-line entry of the emulator:
 *   node out/test/emulator/cli.js --port <n> --api-key <key>
 *        [--shape quickstart|reference] [--retention-hours <h>] [--storage <dir>] [--host <host>]
 * Prints exactly one line, `listening on <url>`, then serves until SIGINT/SIGTERM.
 * Exit codes: 2 usage error, 1 could not start (e.g. port in use).
 */
import { parseArgs } from 'node:util';
import { startEmulator, type EmulatorOptions } from './server';

const USAGE = `usage: npm run emulator -- --port <n> --api-key <key> [options]

  --port <n>              port to listen on (0: any free port)
  --api-key <key>         the Bearer key clients must send (required)
  --shape <shape>         success response shape: quickstart (default) or reference
  --retention-hours <h>   hours until uploaded files expire (default 72)
  --storage <dir>         keep files in <dir> across runs (default: a temp dir, removed on exit)
  --host <host>           interface to listen on (default 127.0.0.1)`;

class UsageError extends Error {}

function parseCli(argv: string[]): EmulatorOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        'api-key': { type: 'string' },
        shape: { type: 'string' },
        'retention-hours': { type: 'string' },
        storage: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    throw new UsageError('');
  }
  if (!values['api-key']) {
    throw new UsageError('--api-key is required');
  }
  const shape = values.shape ?? 'quickstart';
  if (shape !== 'quickstart' && shape !== 'reference') {
    throw new UsageError(`--shape must be quickstart or reference, not "${shape}"`);
  }
  return {
    apiKey: values['api-key'],
    port: numberFlag('--port', values.port ?? '0', (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    host: values.host,
    storageDir: values.storage,
    responseShape: shape,
    retentionHours:
      values['retention-hours'] === undefined
        ? undefined
        : numberFlag('--retention-hours', values['retention-hours'], (n) => n > 0),
  };
}

function numberFlag(flag: string, text: string, valid: (n: number) => boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !valid(n)) {
    throw new UsageError(`${flag}: invalid value "${text}"`);
  }
  return n;
}

function startupError(err: unknown, options: EmulatorOptions): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return `error: port ${options.port} is already in use on ${options.host ?? '127.0.0.1'}`;
  }
  if (code === 'EACCES') {
    return `error: not allowed to listen on port ${options.port}`;
  }
  return `error: could not start the emulator: ${(err as Error).message ?? String(err)}`;
}

async function main(): Promise<void> {
  let options: EmulatorOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    const message = (err as Error).message;
    console.error(message ? `error: ${message}\n\n${USAGE}` : USAGE);
    process.exit(message ? 2 : 0);
  }
  let emulator;
  try {
    emulator = await startEmulator(options);
  } catch (err) {
    console.error(startupError(err, options));
    process.exit(1);
  }
  console.log(`listening on ${emulator.url}`);
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
