/**
 * A throwaway Orthanc for one test file: its own config and storage under the OS temp directory,
 * an HTTP port the OS chose, no DICOM listener, stopped and deleted by stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OrthancInstallation } from './install';

export interface OrthancServer {
  /** http://127.0.0.1:PORT, Orthanc's REST API (the DICOMweb plugin is under /dicom-web/). */
  readonly url: string;
  /** The last lines of Orthanc's log, for failure messages. */
  logTail(): string;
  stop(): Promise<void>;
}

export interface OrthancOptions {
  /** DicomWeb.Servers: name -> base URL, nothing else, as a user would configure a peer. */
  readonly dicomWebServers: Record<string, string>;
}

const STARTUP_TIMEOUT_MS = 20_000;
const STARTUP_POLL_MS = 100;
/** Orthanc flushes its SQLite index on SIGTERM; it is deleted anyway, so a short grace suffices. */
const STOP_GRACE_MS = 5_000;
/** The OS's free port can be taken again before Orthanc binds it; another port then. */
const START_ATTEMPTS = 3;
const LOG_TAIL_LINES = 40;

export async function startOrthanc(installation: OrthancInstallation, options: OrthancOptions): Promise<OrthancServer> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(installation, options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(installation: OrthancInstallation, options: OrthancOptions): Promise<OrthancServer> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'dicomweb-test-orthanc-'));
  const logFile = path.join(stateDir, 'orthanc.log');
  const port = await freePort();
  const configFile = path.join(stateDir, 'orthanc.json');
  writeFileSync(configFile, JSON.stringify(orthancConfig(installation, stateDir, port, options), null, 2));

  const log = openSync(logFile, 'w');
  const child = spawn(installation.binary, [configFile], { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A crashed test run must not leave Orthanc behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const logTail = () => tail(logFile);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.off('exit', killOnExit);
      await terminate(child, exited);
      rmSync(stateDir, { recursive: true, force: true });
    })());

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(url, child);
  } catch (error) {
    const message = `${(error as Error).message}; Orthanc's log:\n${logTail()}`;
    await stop();
    throw new Error(message);
  }
  return { url, logTail, stop };
}

function orthancConfig(installation: OrthancInstallation, stateDir: string, port: number, options: OrthancOptions) {
  const storage = path.join(stateDir, 'storage');
  return {
    Name: 'dicomweb-client-test',
    StorageDirectory: storage,
    IndexDirectory: storage,
    Plugins: [installation.plugin],
    HttpPort: port,
    // Orthanc 1.10 listens on every interface; this refuses every client not on loopback.
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    WebDavEnabled: false,
    SyncStorageArea: false,
    // libcurl's trace in the log: the request lines and headers Orthanc sends us, and our answers'.
    HttpVerbose: true,
    DicomWeb: {
      Enable: true,
      Root: '/dicom-web/',
      EnableWado: false,
      Servers: Object.fromEntries(Object.entries(options.dicomWebServers).map(([name, url]) => [name, [url]])),
    },
  };
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Orthanc exited during start-up (${child.exitCode ?? child.signalCode})`);
    }
    try {
      // /system answers once the REST API is up; plugins register before it.
      if ((await fetch(`${url}/system`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, STARTUP_POLL_MS));
  }
  throw new Error(`Orthanc did not answer on ${url} within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_GRACE_MS).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    // Every interface, as Orthanc binds.
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  } catch {
    return '(no log)';
  }
}
