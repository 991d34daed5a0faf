import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** The well-known development account every Azurite serves (public, not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** The ports `UseDevelopmentStorage=true` points at. */
export const AZURITE_DEFAULT_PORTS = { blob: 10000, queue: 10001, table: 10002 } as const;

/** Azurite's last line on a stop (host/azuriteWatchdog.ts); `onDisk=N/N errors=0`: every database saved or already unchanged on disk. */
export const AZURITE_SAVE_REPORT = '[azurite-save] exit:';

export type AzuriteOptions = (
  { readonly location: string; readonly inMemory?: false } | { readonly inMemory: true; readonly location?: undefined }
) & {
  /** `default`: 10000-10002 (`npm start`); `free`: whatever the OS hands out (tests). Default `free`. */
  readonly ports?: 'default' | 'free';
  /** Default true: Azurite's request log is dropped; false forwards its output to stdout. */
  readonly silent?: boolean;
};

export interface Azurite {
  readonly blobUrl: string;
  readonly queueUrl: string;
  readonly tableUrl: string;
  /** An explicit connection string for these ports (works for the default ports too). */
  readonly connectionString: string;
  /** Graceful shutdown (persistent data is saved), SIGKILL after 10 s; safe to call twice. */
  stop(): Promise<void>;
}

/** A port Azurite needs is taken. `owner` is the HTTP Server header found there, e.g. `Azurite-Blob/3.35.0`. */
export class AzuritePortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly owner: string | undefined,
  ) {
    super(`Port ${port} is already in use${owner ? ` by ${owner}` : ''}, so Azurite cannot start.`);
    this.name = 'AzuritePortInUseError';
  }

  /** True when the port is held by an Azurite (its blob, queue or table service). */
  get isAzurite(): boolean {
    return this.owner?.startsWith('Azurite') ?? false;
  }
}

export const READY_LINE = /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+)/;
const START_TIMEOUT_MS = 30_000;

/**
 * Starts Azurite (blob, queue, table) as a child process and resolves once all three ports accept
 * connections. It stops, saving its data, with stop() or when this process exits or dies (tests,
 * tools). `npm start` runs a longer-lived one instead: host/persistentAzurite.ts.
 */
export async function startAzurite(options: AzuriteOptions): Promise<Azurite> {
  const ports = options.ports === 'default' ? AZURITE_DEFAULT_PORTS : FREE_PORTS;
  const args = azuriteArgs(ports, options.inMemory ? undefined : options.location, options.silent !== false);
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, AZURITE_WATCH_STDIN: '1' },
    // Its own process group: Ctrl-C in a terminal reaches only the parent, which stops it in order.
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  // If the parent exits without stop(), the watchdog sees stdin close; this makes it immediate.
  const killOnExit = (): void => void child.kill();
  process.once('exit', killOnExit);

  let urls: Map<string, string>;
  try {
    urls = await waitUntilReady(child, options.silent !== false);
  } catch (error) {
    process.off('exit', killOnExit);
    child.kill('SIGKILL');
    const busyPort = portInUse(error);
    throw busyPort === undefined ? error : new AzuritePortInUseError(busyPort, await serverHeader(busyPort));
  }
  // Running Azurite must not keep a test process alive; stop() waits for it explicitly.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    if (stream instanceof net.Socket) stream.unref();
  }

  let stopping: Promise<void> | undefined;
  return { ...azuriteEndpoints(portsOf(urls)), stop: () => (stopping ??= stop(child, killOnExit)) };
}

export interface AzuritePorts {
  readonly blob: number;
  readonly queue: number;
  readonly table: number;
}

/** Port 0 for each service: whatever the OS hands out. */
export const FREE_PORTS: AzuritePorts = { blob: 0, queue: 0, table: 0 };

/**
 * Azurite's command line. `--skipApiVersionCheck`: the storage SDKs speak a newer API version than
 * Azurite 3.35 knows; `--loose` tolerates headers it does not implement. The watchdog is preloaded.
 */
export function azuriteArgs(ports: AzuritePorts, location: string | undefined, silent: boolean): string[] {
  return [
    '--require',
    path.join(__dirname, 'azuriteWatchdog.js'),
    azuriteScript(),
    ...['--blobHost', '127.0.0.1', '--blobPort', String(ports.blob)],
    ...['--queueHost', '127.0.0.1', '--queuePort', String(ports.queue)],
    ...['--tableHost', '127.0.0.1', '--tablePort', String(ports.table)],
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--loose',
    ...(location === undefined ? ['--inMemoryPersistence'] : ['--location', location]),
    ...(silent ? ['--silent'] : []),
  ];
}

/** The URLs and connection string of an Azurite on these ports (the stop() is the caller's). */
export function azuriteEndpoints(ports: AzuritePorts): Omit<Azurite, 'stop'> {
  const blobUrl = `http://127.0.0.1:${ports.blob}/${AZURITE_ACCOUNT}`;
  const queueUrl = `http://127.0.0.1:${ports.queue}/${AZURITE_ACCOUNT}`;
  const tableUrl = `http://127.0.0.1:${ports.table}/${AZURITE_ACCOUNT}`;
  return {
    blobUrl,
    queueUrl,
    tableUrl,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};` +
      `BlobEndpoint=${blobUrl};QueueEndpoint=${queueUrl};TableEndpoint=${tableUrl};`,
  };
}

/** The ports from Azurite's start-up lines (`Blob` -> `http://127.0.0.1:10000`). */
export function portsOf(urls: ReadonlyMap<string, string>): AzuritePorts {
  const port = (service: string): number => Number(new URL(urls.get(service) ?? 'http://x:0').port);
  return { blob: port('Blob'), queue: port('Queue'), table: port('Table') };
}

async function stop(child: ChildProcess, killOnExit: () => void): Promise<void> {
  process.off('exit', killOnExit);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.ref();
  child.stdin?.end(); // the watchdog turns this into Azurite's own graceful shutdown
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function azuriteScript(): string {
  // The package has no `exports` map; its CLI entry is the `azurite` bin.
  return path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
}

/** Reads Azurite's start-up lines for the three URLs, then checks each port accepts connections. */
async function waitUntilReady(child: ChildProcess, silent: boolean): Promise<Map<string, string>> {
  const urls = new Map<string, string>();
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const onLine = (line: string): void => {
      if (!silent) console.log(`[azurite] ${line}`);
      if (urls.size === 3) return; // ready: the rest is read only so that the pipe never fills
      output.push(line);
      const found = READY_LINE.exec(line);
      if (found?.[1] && found[2]) urls.set(found[1], found[2]);
      if (urls.size === 3) resolve();
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code, signal) => {
      reject(new Error(`Azurite exited (${signal ?? code}) before it was ready:\n${output.join('\n')}`));
    });
    child.once('error', reject);
    setTimeout(
      () => reject(new Error(`Azurite did not start within ${START_TIMEOUT_MS / 1000} s:\n${output.join('\n')}`)),
      START_TIMEOUT_MS,
    ).unref();
  });
  await ready;
  await Promise.all([...urls.values()].map((url) => waitForPort(Number(new URL(url).port))));
  return urls;
}

/** The port from Azurite's `listen EADDRINUSE: address already in use 127.0.0.1:10000`, if that is why it failed. */
export function portInUse(error: unknown): number | undefined {
  const found = error instanceof Error ? /EADDRINUSE.*?:(\d+)\s*$/m.exec(error.message) : null;
  return found?.[1] ? Number(found[1]) : undefined;
}

/** Who holds a port, by the Server header of an HTTP answer there (Azurite sends one even for 400s). */
export async function serverHeader(port: number): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.headers.get('server') ?? undefined;
  } catch {
    return undefined;
  }
}

export function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 5000;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', (error) => {
        if (Date.now() > deadline) reject(error);
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}
