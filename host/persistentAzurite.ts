/**
 * The Azurite that `npm start` uses: a process of its own, in its own session and process group,
 * that outlives the server. Azurite holds table and blob metadata in memory and writes it to its
 * folder every 5 s, so a server crash (kill -9 of the server, or of `npm start`'s whole process
 * group) must not take Azurite with it: it keeps running with everything acknowledged, and the next
 * `npm start` on the same folder reuses it. It is stopped, saving its data, by the server's
 * Ctrl-C/SIGTERM or by `stopPersistentAzurite` (host/azuriteStop.ts).
 *
 * `{location}/dicomweb-azurite.json` records its pid and ports; its output goes to
 * `{location}/azurite.log` (a file: a pipe would break when the server dies).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './processAlive';
import {
  AzuritePortInUseError,
  azuriteArgs,
  azuriteEndpoints,
  portInUse,
  portsOf,
  READY_LINE,
  serverHeader,
  waitForPort,
  AZURITE_SAVE_REPORT,
  type Azurite,
  type AzuritePorts,
} from './azurite';

const STATE_FILE = 'dicomweb-azurite.json';
const LOG_FILE = 'azurite.log';
const START_TIMEOUT_MS = 30_000;
/** A graceful stop saves a few MB of JSON at most; past this the process is killed, unsaved. */
const STOP_TIMEOUT_MS = 30_000;
const POLL_MS = 50;

interface AzuriteState extends AzuritePorts {
  readonly pid: number;
  readonly location: string;
}

export interface PersistentAzurite extends Azurite {
  readonly pid: number;
  /** True when a running Azurite on this folder (a previous `npm start`'s) was taken over. */
  readonly reused: boolean;
  /** Azurites left on this folder that could not be reused and were stopped first. */
  readonly replaced: readonly StopResult[];
  /** Stops it gracefully and resolves once its data is saved (rejects if that cannot be verified). */
  stop(): Promise<void>;
}

export interface StopResult {
  readonly pid: number;
  /** The watchdog's report, e.g. `onDisk=5/5 errors=0`; undefined if Azurite died without one. */
  readonly report: string | undefined;
}

/**
 * Reuses the Azurite already serving `location` if it answers on the wanted ports (any ports for
 * FREE_PORTS), else stops any Azurite left on `location` (gracefully, so it saves) and starts one.
 */
export async function startPersistentAzurite(location: string, wanted: AzuritePorts): Promise<PersistentAzurite> {
  location = path.resolve(location);
  await mkdir(location, { recursive: true });
  const state = await readState(location);
  if (state && (await isServing(state)) && portsFit(state, wanted)) return handle(location, state, true, []);

  const replaced = await stopAll(location, state);
  const started = await spawnAzurite(location, wanted);
  await writeState(location, started);
  return handle(location, started, false, replaced);
}

/** Stops the Azurite serving `location`, if any, and waits for its save. */
export async function stopPersistentAzurite(location: string): Promise<StopResult[]> {
  location = path.resolve(location);
  return stopAll(location, await readState(location));
}

/** Stops the state file's Azurite (if it is still ours) and any other Azurite found on `location`. */
async function stopAll(location: string, state: AzuriteState | undefined): Promise<StopResult[]> {
  const pids = new Set(await azuritePidsOn(location));
  if (state && (await isServing(state))) pids.add(state.pid);
  const results: StopResult[] = [];
  for (const pid of pids) results.push(await stopPid(pid, location));
  await rm(statePath(location), { force: true });
  return results;
}

function handle(
  location: string,
  state: AzuriteState,
  reused: boolean,
  replaced: readonly StopResult[],
): PersistentAzurite {
  let stopping: Promise<void> | undefined;
  return {
    ...azuriteEndpoints(state),
    pid: state.pid,
    reused,
    replaced,
    stop: () =>
      (stopping ??= (async () => {
        const result = await stopPid(state.pid, location);
        await rm(statePath(location), { force: true });
        if (!savedAll(result.report)) {
          throw new Error(
            `Azurite (pid ${result.pid}) stopped without confirming its save: ${result.report ?? 'no report'}`,
          );
        }
      })()),
  };
}

async function spawnAzurite(location: string, wanted: AzuritePorts): Promise<AzuriteState> {
  const logPath = path.join(location, LOG_FILE);
  const logStart = await fileSize(logPath);
  const log = openSync(logPath, 'a');
  let child;
  try {
    child = spawn(process.execPath, azuriteArgs(wanted, location, true), {
      // No pipe to this process: it must outlive it. Its own session: a signal to the server's
      // process group (Ctrl-C, kill -9 -PGID) does not reach it.
      stdio: ['ignore', log, log],
      detached: true,
      windowsHide: true,
    });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('Azurite could not be started');
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `${signal ?? code}`));
  child.once('error', (error) => (exited = error.message));
  child.unref();

  const urls = new Map<string, string>();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (urls.size < 3) {
    const output = (await readFile(logPath)).subarray(logStart).toString();
    for (const line of output.split('\n')) {
      const found = READY_LINE.exec(line);
      if (found?.[1] && found[2]) urls.set(found[1], found[2]);
    }
    if (urls.size === 3) break;
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined) process.kill(pid, 'SIGKILL');
      const output = (await readFile(logPath)).subarray(logStart).toString(); // its last words too
      const busyPort = portInUse(new Error(output));
      if (busyPort !== undefined) throw new AzuritePortInUseError(busyPort, await serverHeader(busyPort));
      const why = exited === undefined ? `did not start within ${START_TIMEOUT_MS / 1000} s` : `exited (${exited})`;
      throw new Error(`Azurite ${why} before it was ready; its output (${logPath}):\n${output}`);
    }
    await sleep(POLL_MS);
  }
  const ports = portsOf(urls);
  await Promise.all([ports.blob, ports.queue, ports.table].map(waitForPort));
  return { pid, location, ...ports };
}

/** SIGTERM (Azurite's own graceful shutdown, which saves), wait for the exit and read the save report. */
async function stopPid(pid: number, location: string): Promise<StopResult> {
  const logPath = path.join(location, LOG_FILE);
  const logStart = await fileSize(logPath);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return { pid, report: undefined }; // already gone
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      return { pid, report: `did not stop within ${STOP_TIMEOUT_MS / 1000} s, killed` };
    }
    await sleep(POLL_MS);
  }
  const output = (await readFile(logPath).catch(() => Buffer.alloc(0))).subarray(logStart).toString();
  const line = output.split('\n').find((l) => l.startsWith(AZURITE_SAVE_REPORT));
  return { pid, report: line?.slice(AZURITE_SAVE_REPORT.length).trim() };
}

/** `onDisk=5/5 errors=0`: every file-backed database closed and written. */
export function savedAll(report: string | undefined): boolean {
  const found = /^onDisk=(\d+)\/(\d+) errors=0$/.exec(report ?? '');
  return found !== null && found[1] === found[2] && Number(found[2]) > 0;
}

function portsFit(state: AzuritePorts, wanted: AzuritePorts): boolean {
  const fits = (have: number, want: number): boolean => want === 0 || have === want;
  return fits(state.blob, wanted.blob) && fits(state.queue, wanted.queue) && fits(state.table, wanted.table);
}

/**
 * The recorded process is alive, is Azurite on this folder (by its command line, on Linux), and its
 * three ports answer as Azurite; a pid the system handed to another program since fails this.
 */
async function isServing(state: AzuriteState): Promise<boolean> {
  if (!isAlive(state.pid)) return false;
  const args = await commandLine(state.pid);
  if (args !== undefined && !isAzuriteOn(args, state.location)) return false;
  const owners = await Promise.all([state.blob, state.queue, state.table].map(serverHeader));
  return ['Azurite-Blob', 'Azurite-Queue', 'Azurite-Table'].every((name, i) => owners[i]?.startsWith(name));
}

/** Every Azurite process serving `location` (Linux, from /proc; elsewhere none): also a leftover without a state file. */
async function azuritePidsOn(location: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name)).map(Number);
  const found: number[] = [];
  for (const pid of pids) {
    const args = await commandLine(pid);
    if (pid !== process.pid && args && isAzuriteOn(args, location)) found.push(pid);
  }
  return found;
}

async function commandLine(pid: number): Promise<string[] | undefined> {
  if (process.platform !== 'linux') return undefined;
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return raw?.split('\0');
}

function isAzuriteOn(args: readonly string[], location: string): boolean {
  const at = args.indexOf('--location');
  return args.some((arg) => path.basename(arg) === 'azurite.js') && at >= 0 && args[at + 1] === location;
}

function statePath(location: string): string {
  return path.join(location, STATE_FILE);
}

async function readState(location: string): Promise<AzuriteState | undefined> {
  try {
    const state = JSON.parse(await readFile(statePath(location), 'utf8')) as Partial<AzuriteState>;
    const valid = [state.pid, state.blob, state.queue, state.table].every(Number.isInteger);
    return valid && state.location === location ? (state as AzuriteState) : undefined;
  } catch {
    return undefined;
  }
}

async function writeState(location: string, state: AzuriteState): Promise<void> {
  const target = statePath(location);
  await writeFile(`${target}.tmp`, `${JSON.stringify(state, undefined, 2)}\n`);
  await rename(`${target}.tmp`, target);
}

async function fileSize(file: string): Promise<number> {
  return (await stat(file).catch(() => undefined))?.size ?? 0;
}
