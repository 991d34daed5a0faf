/**
 * Crash rounds against `npm start`'s entry (host/start.js): run it in a process group of its own
 * (`sh` -> `node start.js`, as npm's `sh -c` runs it), store instances concurrently, SIGKILL the
 * server process or the whole group while stores are in flight, start it again on the same data
 * folder and check that every acknowledged instance is retrievable byte for byte and in the change
 * feed. Used by test/host/startCrash.test.ts and bench/startCrash.ts. Linux only (/proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { makeDicom, newUid } from './dicomFactory';
import { readReply } from './httpReply';
import { stowFiles } from './stowClient';

/**
 * `server`: SIGKILL of the node process alone; `group`: of its whole process group (the shell
 * too); `azurite`: of the Azurite process (what a machine crash does to it), to measure what its
 * last autosave leaves out.
 */
export type KillTarget = 'server' | 'group' | 'azurite';

export interface StartedServer {
  readonly group: ChildProcess;
  readonly baseUrl: string;
  readonly output: readonly string[];
  /** The pid of `node start.js` (the group leader is its shell). */
  readonly serverPid: number;
}

export interface Stored {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
  /** The file as retrieve must return it: as sent, preamble zeroed. */
  readonly expected: Buffer;
  /** Date.now() when the 200 arrived. */
  readonly acknowledgedAt: number;
}

export interface CrashRoundOptions {
  /** Path of the built host/start.js. */
  readonly start: string;
  /** Environment for start.js (data folder, Azurite ports, PORT). */
  readonly env: Readonly<Record<string, string>>;
  readonly kill: KillTarget;
  /** Stores in flight at once. */
  readonly concurrency: number;
  /** The kill comes once this many stores have been acknowledged. */
  readonly killAfterAcks: number;
}

export interface CrashRoundResult {
  readonly acknowledged: number;
  /** Stores sent but not acknowledged (in flight at the kill). */
  readonly unacknowledged: number;
  /** Acknowledged instances not retrievable byte for byte after the restart. */
  readonly lostRetrieve: readonly string[];
  /** Acknowledged instances without a `create` entry in the change feed after the restart. */
  readonly lostFeed: readonly string[];
  /** What the restarted server said about its storage (`… reused …`). */
  readonly storageLine: string;
  /** For each acknowledged instance lost to retrieve, how long before the kill it was acknowledged (ms). */
  readonly lostAgesMs: readonly number[];
  /** The restarted server: the caller stores more or stops it. */
  readonly restarted: StartedServer;
}

const LISTENING = /^DICOMweb server listening on (http:\/\/\S+) \(v1 and v2\); storage: (.*)$/;

/** Starts start.js under `sh` in a new process group and resolves once it listens. */
export async function startServer(start: string, env: Readonly<Record<string, string>>): Promise<StartedServer> {
  const group = spawn('sh', ['-c', `"${process.execPath}" "${start}"; exit $?`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const onLine = (line: string): void => {
      output.push(line);
      const found = LISTENING.exec(line);
      if (found?.[1]) resolve(found[1]);
    };
    if (group.stdout) createInterface({ input: group.stdout }).on('line', onLine);
    if (group.stderr) createInterface({ input: group.stderr }).on('line', onLine);
    group.once('exit', (code) => reject(new Error(`start.js exited with ${code}:\n${output.join('\n')}`)));
  });
  const children = await readFile(`/proc/${group.pid}/task/${group.pid}/children`, 'utf8');
  const serverPid = Number(children.trim().split(/\s+/)[0]);
  if (!Number.isInteger(serverPid) || serverPid <= 0) throw new Error(`no server process under sh ${group.pid}`);
  return { group, baseUrl, output, serverPid };
}

/** Ctrl-C's path: SIGTERM to the server, which stops Azurite with a verified save; resolves with its exit code. */
export async function stopServer(server: StartedServer): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => server.group.once('exit', (code) => resolve(code)));
  if (server.group.exitCode !== null || server.group.signalCode !== null) return server.group.exitCode;
  process.kill(server.serverPid, 'SIGTERM');
  return exited;
}

export function killServer(server: StartedServer, target: Exclude<KillTarget, 'azurite'>): void {
  if (target === 'group') process.kill(-(server.group.pid ?? 0), 'SIGKILL');
  else process.kill(server.serverPid, 'SIGKILL');
}

/** The pid start.js announced for its Azurite (`Azurite (pid N, …)`). */
function azuritePid(server: StartedServer): number {
  const found = server.output.map((line) => /storage: Azurite \(pid (\d+),/.exec(line)?.[1]).find(Boolean);
  if (!found) throw new Error(`no Azurite pid in the output:\n${server.output.join('\n')}`);
  return Number(found);
}

/** One instance, stored through STOW-RS v2; its UIDs and expected bytes when acknowledged (200). */
async function storeOne(baseUrl: string, study: string): Promise<Stored | undefined> {
  const uids = { study, series: newUid(), sop: newUid() };
  const file = makeDicom({
    studyInstanceUid: uids.study,
    seriesInstanceUid: uids.series,
    sopInstanceUid: uids.sop,
    pixelDataBytes: 4096,
  });
  const result = await stowFiles(`${baseUrl}/v2/studies`, [file]);
  if (result.status !== 200) return undefined;
  const expected = Buffer.from(file);
  expected.fill(0, 0, 128);
  return { ...uids, expected, acknowledgedAt: Date.now() };
}

/** Stores `count` instances one after the other; throws unless each is acknowledged. */
export async function storeInstances(baseUrl: string, count: number): Promise<Stored[]> {
  const stored: Stored[] = [];
  for (let i = 0; i < count; i++) {
    const one = await storeOne(baseUrl, newUid());
    if (!one) throw new Error(`store ${i + 1} of ${count} was not acknowledged`);
    stored.push(one);
  }
  return stored;
}

/** Stores until told to stop or a request fails (the server is gone); returns what was acknowledged. */
async function storeUntilKilled(
  baseUrl: string,
  concurrency: number,
  onAck: (count: number) => void,
): Promise<{ acknowledged: Stored[]; unacknowledged: number }> {
  const acknowledged: Stored[] = [];
  let unacknowledged = 0;
  const worker = async (): Promise<void> => {
    // A few instances per study, so that stores share partitions as a real upload does.
    let study = newUid();
    for (let n = 0; ; n++) {
      if (n % 4 === 0) study = newUid();
      let stored: Stored | undefined;
      try {
        stored = await storeOne(baseUrl, study);
      } catch {
        unacknowledged++;
        return; // connection refused or reset: the server is gone
      }
      if (!stored) {
        unacknowledged++;
        continue;
      }
      acknowledged.push(stored);
      onAck(acknowledged.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { acknowledged, unacknowledged };
}

/** The whole v2 change feed's `create` entries, by SOP Instance UID. */
async function feedCreates(baseUrl: string): Promise<Set<string>> {
  const sops = new Set<string>();
  for (let offset = 0; ;) {
    const page = await readReply<{ Action: string; SopInstanceUid: string }[]>(
      await fetch(`${baseUrl}/v2/changefeed?offset=${offset}&limit=100&includemetadata=false`),
    );
    if (page.status !== 200 || !page.json) throw new Error(`change feed answered ${page.status}: ${page.text}`);
    if (page.json.length === 0) return sops;
    for (const entry of page.json) if (entry.Action === 'create') sops.add(entry.SopInstanceUid);
    offset += page.json.length;
  }
}

async function retrievesExactly(baseUrl: string, stored: Stored): Promise<boolean> {
  const url = `${baseUrl}/v2/studies/${stored.study}/series/${stored.series}/instances/${stored.sop}`;
  const response = await fetch(url, { headers: { Accept: 'application/dicom; transfer-syntax=*' } });
  const body = Buffer.from(await response.arrayBuffer());
  return response.status === 200 && body.equals(stored.expected);
}

/** Checks every stored instance against a running server: those not retrievable exactly, and those not in the feed. */
export async function verify(
  baseUrl: string,
  stored: readonly Stored[],
): Promise<{ lostRetrieve: string[]; lostFeed: string[] }> {
  const lostRetrieve: string[] = [];
  for (const instance of stored) if (!(await retrievesExactly(baseUrl, instance))) lostRetrieve.push(instance.sop);
  const feed = await feedCreates(baseUrl);
  return { lostRetrieve, lostFeed: stored.filter((s) => !feed.has(s.sop)).map((s) => s.sop) };
}

/**
 * A server on `options.env`'s data folder, concurrent stores, a SIGKILL once `killAfterAcks`
 * were acknowledged, a restart, and the check of everything acknowledged. Also returns what was
 * stored, for a later check after a graceful stop and restart.
 */
export async function crashRound(
  options: CrashRoundOptions,
): Promise<CrashRoundResult & { readonly stored: readonly Stored[] }> {
  const first = await startServer(options.start, options.env);
  const gone = new Promise<void>((resolve) => first.group.once('exit', () => resolve()));
  let killedAt = 0;
  const { acknowledged, unacknowledged } = await storeUntilKilled(first.baseUrl, options.concurrency, (count) => {
    if (killedAt === 0 && count >= options.killAfterAcks) {
      killedAt = Date.now();
      // Azurite gone, the server would only answer 503s: it goes too, as in a machine crash.
      if (options.kill === 'azurite') process.kill(azuritePid(first), 'SIGKILL');
      killServer(first, options.kill === 'azurite' ? 'group' : options.kill);
    }
  });
  await gone; // the shell ends with its server

  const restarted = await startServer(options.start, options.env);
  const storageLine = restarted.output.map((line) => LISTENING.exec(line)?.[2]).find(Boolean) ?? '';
  const { lostRetrieve, lostFeed } = await verify(restarted.baseUrl, acknowledged);
  const lost = new Set(lostRetrieve);
  return {
    acknowledged: acknowledged.length,
    unacknowledged,
    lostRetrieve,
    lostFeed,
    lostAgesMs: acknowledged.filter((s) => lost.has(s.sop)).map((s) => killedAt - s.acknowledgedAt),
    storageLine,
    restarted,
    stored: acknowledged,
  };
}

/** Environment for start.js on its own data folder and free ports, away from ./.azurite and 10000-10002. */
export function isolatedEnv(location: string): Record<string, string> {
  return {
    PORT: '0',
    DICOM_AZURITE_LOCATION: path.resolve(location),
    DICOM_AZURITE_PORTS: '0',
    DICOM_STORAGE_CONNECTION_STRING: '',
    DICOM_BLOB_SERVICE_URL: '',
    DICOM_TABLE_SERVICE_URL: '',
  };
}
