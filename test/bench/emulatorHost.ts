/**
 * The API emulator in a process of its own for the bench, so that it shares neither CPU time nor
 * RSS with the measured uploader, and beside it a discard server (the "sink") and a network link
 * of 250 MB/s in front of the emulator (the "link"). Forked with an IPC
 * channel by run.ts; answers commands:
 *
 *   { id, cmd: 'stats' }            → the emulator's request counters
 *   { id, cmd: 'latency', ms }      → adds `ms` before every API answer (faults.latencyMs)
 *   { id, cmd: 'resetMax' }         → restarts stats.maxInFlight
 *   { id, cmd: 'files' }            → stored files and partial uploads left in the temp area
 *   { id, cmd: 'clear' }            → deletes every stored file (through the store's own expiry)
 *   { id, cmd: 'watch' } / 'unwatch' → records when the number of requests in flight changes
 *   { id, cmd: 'close' }
 */
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmulator, type Emulator } from '../emulator/server';
import { LINK_BYTES_PER_SECOND } from './proc';

export interface EmulatorHostStats {
  requests: number;
  inFlight: number;
  maxInFlight: number;
  bytesReceived: number;
}

export interface InFlightChange {
  at: number;
  inFlight: number;
}

export type EmulatorCommand =
  | { id: number; cmd: 'stats' | 'resetMax' | 'files' | 'clear' | 'watch' | 'unwatch' | 'close' }
  | { id: number; cmd: 'latency'; ms: number };

export const now = (): number => performance.timeOrigin + performance.now();

/**
 * A discard server beside the emulator: reads and drops the body, answers a success envelope of the
 * documented reference shape. Uploading to it shows what the uploader itself can do when the server
 * is not the bottleneck.
 */
function startSink(): Promise<Server> {
  const server = createServer((req, res) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => {
      const body = JSON.stringify({
        success: true,
        code: 200,
        msg: 'File uploaded successfully',
        data: { fileName: 'sink.bin', filePath: 'sink/sink.bin', downloadUrl: 'http://127.0.0.1/sink/sink.bin', fileSize: size, mimeType: 'application/octet-stream', uploadedAt: new Date().toISOString() },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.requestTimeout = 0;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * A network link in front of the emulator: a TCP relay that passes what the uploader sends at most
 * at `bytesPerSecond` (the answers go back unpaced). Kernel buffers on both of its sides take the
 * first few megabytes at once, as a real sender's socket buffer does.
 */
function startLink(targetPort: number, bytesPerSecond: number): Promise<TcpServer> {
  const server = createTcpServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const started = performance.now();
    let passed = 0;
    let resting: NodeJS.Timeout | undefined;
    let draining = false;
    const resume = () => {
      if (!resting && !draining) {
        client.resume();
      }
    };
    client.on('data', (chunk: Buffer) => {
      passed += chunk.length;
      if (!upstream.write(chunk)) {
        draining = true;
        client.pause();
        upstream.once('drain', () => {
          draining = false;
          resume();
        });
      }
      const ahead = (passed / bytesPerSecond) * 1000 - (performance.now() - started);
      if (ahead > 1 && !resting) {
        client.pause();
        resting = setTimeout(() => {
          resting = undefined;
          resume();
        }, ahead);
      }
    });
    client.on('end', () => upstream.end());
    upstream.pipe(client);
    const close = () => {
      clearTimeout(resting);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function stats(emulator: Emulator): EmulatorHostStats {
  const { requests, inFlight, maxInFlight, bytesReceived } = emulator.stats;
  return { requests, inFlight, maxInFlight, bytesReceived };
}

async function main(): Promise<void> {
  const apiKey = process.argv[2];
  if (!apiKey || !process.send) {
    console.error('usage: fork(emulatorHost.js, [apiKey]) with an IPC channel');
    process.exit(2);
  }
  // Each case deletes its uploads ('clear') before the next: writing the next 1 GiB over the
  // deleted file's pages keeps this VM's cost of fresh page cache out of the measurements.
  const emulator = await startEmulator({ apiKey, reuseDeletedFiles: true });
  const sink = await startSink();
  const link = await startLink(Number(new URL(emulator.url).port), LINK_BYTES_PER_SECOND);
  const send = (message: unknown) => process.send?.(message);
  let watch: { timer: NodeJS.Timeout; changes: InFlightChange[] } | undefined;

  const handle = async (message: EmulatorCommand): Promise<unknown> => {
    switch (message.cmd) {
      case 'stats':
        return stats(emulator);
      case 'latency':
        emulator.faults.latencyMs = message.ms;
        return true;
      case 'resetMax':
        emulator.stats.resetMax();
        return true;
      case 'files':
        return {
          stored: emulator.listFiles().map((file) => ({ uploadPath: file.uploadPath, fileName: file.fileName, fileSize: file.fileSize })),
          partial: readdirSync(join(emulator.storageDir, 'tmp')),
        };
      case 'clear': {
        // Deleting uploads between cases keeps gigabytes of dirty pages from being written back
        // to disk while the next case is measured. The store deletes what has expired.
        const clock = emulator.now;
        emulator.setNow(() => clock() + 1e13);
        await emulator.expireNow();
        emulator.setNow(clock);
        return emulator.listFiles().length;
      }
      case 'watch': {
        clearInterval(watch?.timer);
        const changes: InFlightChange[] = [];
        let last = emulator.stats.inFlight;
        // Polled every millisecond: the emulator's own request accounting, without touching it.
        const timer = setInterval(() => {
          if (emulator.stats.inFlight !== last) {
            last = emulator.stats.inFlight;
            changes.push({ at: now(), inFlight: last });
          }
        }, 1);
        watch = { timer, changes };
        return true;
      }
      case 'unwatch': {
        clearInterval(watch?.timer);
        const changes = watch?.changes ?? [];
        watch = undefined;
        return changes;
      }
      case 'close':
        clearInterval(watch?.timer);
        sink.closeAllConnections();
        sink.close();
        link.close();
        await emulator.close();
        setImmediate(() => process.exit(0));
        return true;
    }
  };

  process.on('message', (message: EmulatorCommand) => {
    handle(message).then(
      (result) => send({ id: message.id, result }),
      (error: unknown) => send({ id: message.id, error: String((error as Error)?.stack ?? error) }),
    );
  });
  // However the bench ends (done, Ctrl-C, killed), the emulator removes its temporary storage.
  const stop = () => void emulator.close().finally(() => process.exit(0));
  process.on('disconnect', stop);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const linkUrl = `http://127.0.0.1:${(link.address() as AddressInfo).port}`;
  send({ ready: true, url: emulator.url, sinkUrl, linkUrl, storageDir: emulator.storageDir, pid: process.pid });
}

void main();
