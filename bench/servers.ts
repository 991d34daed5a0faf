/**
 * Starts the servers the benchmarks measure, each as its own process so its memory can be read by pid:
 * our server (`node dist/host/start.js` on an in-memory Azurite) and Orthanc (scripts/orthanc.sh).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { startAzurite } from '../host/azurite';
import { commandLine, descendants } from './procfs';

const execFileAsync = promisify(execFile);

/** dist/bench/servers.js → the repository root. */
/** Large enough for `--big-gb 4`. */
const BENCH_MAX_REQUEST_BYTES = 5 * 1024 ** 3;

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface RunningServer {
  readonly label: string;
  /** The DICOMweb root the STOW client appends `/studies` to. */
  readonly base: string;
  /** The process whose memory is sampled. */
  readonly pid: number;
  /** The processes whose CPU time counts as the server's: the server, and its storage emulator if any. */
  readonly cpuPids: readonly number[];
  /** Version and settings worth printing next to the figures. */
  readonly description: string;
  /** Ours only: the connection string of its Azurite, for benchmarks that write to storage directly. */
  readonly storageConnectionString?: string;
  stop(): Promise<void>;
}

/** A port free right now (the OS picks it); the server binds it a moment later. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Keeps the last lines a child printed, so a failure can show them. */
class OutputTail {
  private readonly lines: string[] = [];
  constructor(child: ChildProcess, onLine?: (line: string) => void) {
    const add = (line: string): void => {
      onLine?.(line);
      this.lines.push(line);
      if (this.lines.length > 40) this.lines.shift();
    };
    // The output must be read even when nobody looks at it, or a chatty server blocks on a full pipe.
    if (child.stdout) createInterface({ input: child.stdout }).on('line', add);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', add);
  }
  text(): string {
    return this.lines.length > 0 ? this.lines.join('\n') : '(no output)';
  }
}

/** Resolves once anything answers HTTP on the port (any status: the root may well be a 404). */
async function waitForHttp(port: number, child: ChildProcess, tail: OutputTail, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server exited (${child.signalCode ?? child.exitCode}) before it listened:\n${tail.text()}`);
    }
    if (await answers(port)) return;
    if (Date.now() > deadline) {
      throw new Error(`the server did not answer on port ${port} within ${timeoutMs / 1000} s:\n${tail.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface OurServerOptions {
  /** `v1` or `v2`: the versioned path prefix the STOW route lives under. */
  readonly apiVersion: string;
  /** Settings for the server over the bench's defaults (e.g. the deployed request limits back). */
  readonly env?: Readonly<Record<string, string>>;
  /** Every line the server prints (stdout and stderr), e.g. for its diagnostics. */
  readonly onOutput?: (line: string) => void;
}

/** Azurite in memory, then `node dist/host/start.js` on a free port against it. */
export async function startOurServer(options: OurServerOptions): Promise<RunningServer> {
  const entry = path.join(REPO_ROOT, 'dist', 'host', 'start.js');
  if (!existsSync(entry)) {
    throw new Error(
      `${path.relative(REPO_ROOT, entry)} does not exist: build first (npm run build), or host/start.ts is missing`,
    );
  }
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  // Azurite does the storage work, so its CPU belongs to our server's cost; it is this process's child.
  const azuritePids = descendants(process.pid).filter((pid) => commandLine(pid).includes('azurite'));
  try {
    const server = await startNodeServer(
      entry,
      {
        // The large-upload measurement sends one instance over the deployed limits (256 MiB app,
        // 300 MiB host): raised here, locally only. The host still reads that body into memory.
        DICOM_MAX_REQUEST_BYTES: String(BENCH_MAX_REQUEST_BYTES),
        FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: String(BENCH_MAX_REQUEST_BYTES),
        ...process.env,
        ...options.env,
        DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
      },
      options.onOutput,
    );
    const { pid } = server;
    return {
      label: 'ours',
      base: `http://127.0.0.1:${server.port}/${options.apiVersion}`,
      pid,
      cpuPids: [pid, ...azuritePids],
      description: `node dist/host/start.js (pid ${pid}, Node ${process.version}) on in-memory Azurite (pid ${azuritePids.join(',') || '?'}; CPU counted with the server's, memory not)`,
      storageConnectionString: azurite.connectionString,
      stop: async () => {
        await server.stop();
        await azurite.stop();
      },
    };
  } catch (error) {
    await azurite.stop();
    throw error;
  }
}

/**
 * bench/passThroughApp.ts on a local Functions host of its own (node dist/bench/passThroughHost.js),
 * over the given storage: what the platform and the HTTP delivery cost without the server's code.
 */
export async function startPassThroughHost(connectionString: string): Promise<RunningServer> {
  const entry = path.join(REPO_ROOT, 'dist', 'bench', 'passThroughHost.js');
  const server = await startNodeServer(entry, { ...process.env, DICOM_STORAGE_CONNECTION_STRING: connectionString });
  return {
    label: 'pass-through',
    base: `http://127.0.0.1:${server.port}`,
    pid: server.pid,
    cpuPids: [server.pid],
    description: `node dist/bench/passThroughHost.js (pid ${server.pid})`,
    stop: server.stop,
  };
}

/**
 * `node entry` with `env` and a free PORT, once it answers HTTP; killed if this process exits
 * first. Its output is read (kept for a failure's message) and handed to `onOutput`.
 */
async function startNodeServer(
  entry: string,
  env: NodeJS.ProcessEnv,
  onOutput?: (line: string) => void,
): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    cwd: REPO_ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await stopChild(child);
  };
  try {
    await waitForHttp(port, child, new OutputTail(child, onOutput), 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error(`${path.basename(entry)} has no pid`);
  return { port, pid: child.pid, stop };
}

export interface OrthancOptions {
  /** Where scripts/orthanc.sh keeps config and storage (ORTHANC_STATE_DIR); its default when absent. */
  readonly stateDir?: string;
}

/** Orthanc through scripts/orthanc.sh, with a fresh, empty storage. */
export async function startOrthanc(options: OrthancOptions): Promise<RunningServer> {
  const script = path.join(REPO_ROOT, 'scripts', 'orthanc.sh');
  const env = { ...process.env, ...(options.stateDir ? { ORTHANC_STATE_DIR: options.stateDir } : {}) };
  const run = (command: string): Promise<{ stdout: string; stderr: string }> =>
    execFileAsync('bash', [script, command], { env, timeout: 60_000 });

  // An Orthanc that was already running keeps its instances, which would skew the figures.
  const before = await run('status').catch(() => undefined);
  if (before) throw new Error(`Orthanc is already running (${before.stdout.trim()}); stop it: scripts/orthanc.sh stop`);
  let base: string;
  try {
    base = (await run('start')).stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(`scripts/orthanc.sh start failed: ${typeof stderr === 'string' ? stderr.trim() : String(error)}`);
  }
  const stop = async (): Promise<void> => {
    await run('stop');
  };
  try {
    const status = (await run('status')).stdout;
    const pid = Number(/^pid (\d+)/.exec(status)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`cannot read Orthanc's pid from "${status.trim()}"`);
    const root = base.replace(/\/dicom-web\/?$/, '');
    const system = await getJson(`${root}/system`);
    const plugin = await getJson(`${root}/plugins/dicom-web`);
    const version = typeof system.Version === 'string' ? system.Version : '?';
    const pluginVersion = typeof plugin.Version === 'string' ? plugin.Version : '?';
    return {
      label: `orthanc ${version}`,
      base,
      pid,
      cpuPids: [pid],
      description:
        `Orthanc ${version}, DICOMweb plugin ${pluginVersion} (pid ${pid}), SQLite index, ` +
        `storage in ${options.stateDir ?? process.env.ORTHANC_STATE_DIR ?? 'the default temp dir'}, ` +
        `SyncStorageArea=${process.env.ORTHANC_SYNC ?? 'true'}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function getJson(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { timeout: 5000 }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          try {
            const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            resolve(typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {});
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      })
      .on('error', reject);
  });
}
