/**
 * Crash rounds against `npm start`'s entry (host/start.js): run it in a process group of its own
 * (`sh` -> `node start.js`, as npm's `sh -c` runs it), store instances concurrently, SIGKILL the
 * server process or the whole group while stores are in flight, start it again on the same data
 * folder and check that every acknowledged instance is retrievable byte for byte and in the change
 * feed, that retrieve, search and the change feed agree on every instance that was sent
 * (acknowledged or in flight), and that a re-store of each unacknowledged one succeeds.
 * Used by test/host/startCrash.test.ts and bench/startCrash.ts. Linux only (/proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom, newUid } from './dicomFactory';
import { readReply } from './httpReply';
import { firstValue, sequence, stowFiles } from './stowClient';

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

/** An instance sent in a STOW request, acknowledged or not. */
export interface Sent {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
  /** The file as retrieve must return it: as sent, preamble zeroed (and what a re-store sends). */
  readonly expected: Buffer;
}

export interface Stored extends Sent {
  /** Date.now() when the 200 arrived. */
  readonly acknowledgedAt: number;
}

/** How long after the restart a re-store of an unacknowledged instance may keep answering 45071. */
export const RESTORE_WINDOW_MS = 30_000;

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
  /** What its start-up recovery reported (`Start-up recovery of pending stores: {…}`), if it found any. */
  readonly recoveryLine: string;
  /** For each acknowledged instance lost to retrieve, how long before the kill it was acknowledged (ms). */
  readonly lostAgesMs: readonly number[];
  /**
   * Sent instances (acknowledged or not) on which retrieve, search (instance search by SOP
   * Instance UID) and the change feed disagree after the restart, and studies whose search
   * summary counts other instances than retrieve finds; each with what was seen.
   */
  readonly disagreeing: readonly string[];
  /** Unacknowledged instances whose re-store did not answer 200 within RESTORE_WINDOW_MS, with why. */
  readonly restoreFailures: readonly string[];
  /** For each re-stored instance, ms from the restarted server's ready line to its 200. */
  readonly restoreMs: readonly number[];
  /** Re-stored instances not in agreement afterwards (retrieve byte for byte, search, feed). */
  readonly restoredDisagreeing: readonly string[];
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

/** A new instance of `study`, not sent yet. */
export function newInstance(study: string): Sent {
  const uids = { study, series: newUid(), sop: newUid() };
  const file = makeDicom({
    studyInstanceUid: uids.study,
    seriesInstanceUid: uids.series,
    sopInstanceUid: uids.sop,
    pixelDataBytes: 4096,
  });
  file.fill(0, 0, 128);
  return { ...uids, expected: file };
}

/** Stores one instance through STOW-RS v2; the instance when acknowledged (200). */
async function storeOne(baseUrl: string, instance: Sent): Promise<Stored | undefined> {
  const result = await stowFiles(`${baseUrl}/v2/studies`, [instance.expected]);
  if (result.status !== 200) return undefined;
  return { ...instance, acknowledgedAt: Date.now() };
}

const STUDY_SIZE = 4;

/** True when every instance of the request was acknowledged (200). */
async function storeAll(baseUrl: string, instances: readonly Sent[]): Promise<boolean> {
  const result = await stowFiles(
    `${baseUrl}/v2/studies`,
    instances.map((i) => i.expected),
  );
  return result.status === 200;
}

/** Stores `count` instances one after the other; throws unless each is acknowledged. */
export async function storeInstances(baseUrl: string, count: number): Promise<Stored[]> {
  const stored: Stored[] = [];
  for (let i = 0; i < count; i++) {
    const one = await storeOne(baseUrl, newInstance(newUid()));
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
): Promise<{ acknowledged: Stored[]; unacknowledged: Sent[] }> {
  const acknowledged: Stored[] = [];
  const unacknowledged: Sent[] = [];
  // Half the clients send one instance per request, a few per study, so that stores share
  // partitions as a real upload does; the other half send a whole study of 4 in one request, whose
  // instances commit together (one change-feed transaction, one pending marker).
  const worker = async (client: number): Promise<void> => {
    let study = newUid();
    for (let n = 0; ; n++) {
      if (n % STUDY_SIZE === 0 || client % 2 === 1) study = newUid();
      const instances = Array.from({ length: client % 2 === 1 ? STUDY_SIZE : 1 }, () => newInstance(study));
      let stored: boolean;
      try {
        stored = await storeAll(baseUrl, instances);
      } catch {
        unacknowledged.push(...instances);
        return; // connection refused or reset: the server is gone
      }
      if (!stored) {
        unacknowledged.push(...instances);
        continue;
      }
      const acknowledgedAt = Date.now();
      for (const instance of instances) {
        acknowledged.push({ ...instance, acknowledgedAt });
        onAck(acknowledged.length);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, client) => worker(client)));
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

/** What retrieve answers for an instance: `exact` (200 with its bytes), `other` (200, other bytes), or `absent`. */
async function retrieve(baseUrl: string, sent: Sent): Promise<'exact' | 'other' | 'absent'> {
  const url = `${baseUrl}/v2/studies/${sent.study}/series/${sent.series}/instances/${sent.sop}`;
  const response = await fetch(url, { headers: { Accept: 'application/dicom; transfer-syntax=*' } });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) return 'absent';
  return body.equals(sent.expected) ? 'exact' : 'other';
}

async function retrievesExactly(baseUrl: string, sent: Sent): Promise<boolean> {
  return (await retrieve(baseUrl, sent)) === 'exact';
}

/** Whether the instance search by SOP Instance UID finds it. */
async function searchFinds(baseUrl: string, sent: Sent): Promise<boolean> {
  const reply = await readReply<DicomJsonDataset[]>(await fetch(`${baseUrl}/v2/instances?SOPInstanceUID=${sent.sop}`));
  if (reply.status === 204) return false;
  if (reply.status !== 200 || !reply.json) throw new Error(`instance search answered ${reply.status}: ${reply.text}`);
  return reply.json.some((dataset) => firstValue(dataset, Tag.SOPInstanceUID) === sent.sop);
}

/** NumberOfStudyRelatedInstances of the study's search summary; 0 when the study search finds nothing. */
async function summaryCount(baseUrl: string, study: string): Promise<number> {
  const reply = await readReply<DicomJsonDataset[]>(
    await fetch(`${baseUrl}/v2/studies?StudyInstanceUID=${study}&includefield=NumberOfStudyRelatedInstances`),
  );
  if (reply.status === 204) return 0;
  if (reply.status !== 200 || !reply.json) throw new Error(`study search answered ${reply.status}: ${reply.text}`);
  return Number(firstValue(reply.json[0], Tag.NumberOfStudyRelatedInstances));
}

/**
 * Each sent instance must be in retrieve, search and the change feed, or in none (retrieve with
 * the bytes that were sent), and each study's search summary must count exactly the instances
 * retrieve finds. Returns a description of every disagreement.
 */
export async function disagreements(baseUrl: string, sent: readonly Sent[]): Promise<string[]> {
  const feed = await feedCreates(baseUrl);
  const found: string[] = [];
  const visibleByStudy = new Map<string, number>();
  for (const instance of sent) {
    const retrieved = await retrieve(baseUrl, instance);
    const searched = await searchFinds(baseUrl, instance);
    const inFeed = feed.has(instance.sop);
    if (retrieved === 'other' || new Set([retrieved === 'exact', searched, inFeed]).size > 1) {
      found.push(`${instance.sop}: retrieve ${retrieved}, search ${searched}, feed ${inFeed}`);
    }
    const visible = retrieved === 'absent' ? 0 : 1;
    visibleByStudy.set(instance.study, (visibleByStudy.get(instance.study) ?? 0) + visible);
  }
  for (const [study, visible] of visibleByStudy) {
    // Only instances this round sent: each study is new to it.
    const counted = await summaryCount(baseUrl, study);
    if (counted !== visible)
      found.push(`study ${study}: retrieve finds ${visible}, its search summary counts ${counted}`);
  }
  return found;
}

/**
 * Re-stores each instance, retrying 45071 (an interrupted attempt still holding its lease) until
 * RESTORE_WINDOW_MS after `readyAt`. Returns the time each took and what did not succeed.
 */
export async function restoreAll(
  baseUrl: string,
  instances: readonly Sent[],
  readyAt: number,
): Promise<{ restoreMs: number[]; restoreFailures: string[] }> {
  const restoreMs: number[] = [];
  const restoreFailures: string[] = [];
  await Promise.all(
    instances.map(async (instance) => {
      for (;;) {
        const result = await stowFiles(`${baseUrl}/v2/studies`, [instance.expected]);
        if (result.status === 200) {
          restoreMs.push(Date.now() - readyAt);
          return;
        }
        const reason = firstValue(sequence(result.json, Tag.FailedSOPSequence)[0], Tag.FailureReason);
        if (reason !== 45071 || Date.now() - readyAt > RESTORE_WINDOW_MS) {
          restoreFailures.push(`${instance.sop}: ${result.status} ${String(reason)} after ${Date.now() - readyAt} ms`);
          return;
        }
        await sleep(250);
      }
    }),
  );
  return { restoreMs, restoreFailures };
}

/** Checks every stored instance against a running server: those not retrievable exactly, and those not in the feed. */
export async function verify(
  baseUrl: string,
  stored: readonly Sent[],
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
  const readyAt = Date.now();
  try {
    return { ...(await checkRestarted(restarted, acknowledged, unacknowledged, readyAt, killedAt)), restarted };
  } catch (error) {
    killServer(restarted, 'group'); // a failed check must not leave the server running
    throw error;
  }
}

/** The checks of a crash round against the restarted server. */
async function checkRestarted(
  restarted: StartedServer,
  acknowledged: readonly Stored[],
  unacknowledged: readonly Sent[],
  readyAt: number,
  killedAt: number,
): Promise<Omit<CrashRoundResult, 'restarted'> & { readonly stored: readonly Stored[] }> {
  const storageLine = restarted.output.map((line) => LISTENING.exec(line)?.[2]).find(Boolean) ?? '';
  const { lostRetrieve, lostFeed } = await verify(restarted.baseUrl, acknowledged);
  const lost = new Set(lostRetrieve);
  const disagreeing = await disagreements(restarted.baseUrl, [...acknowledged, ...unacknowledged]);
  const { restoreMs, restoreFailures } = await restoreAll(restarted.baseUrl, unacknowledged, readyAt);
  const failed = new Set(restoreFailures.map((failure) => failure.split(':')[0]));
  const restored = unacknowledged.filter((s) => !failed.has(s.sop));
  const restoredDisagreeing = [
    ...(await disagreements(restarted.baseUrl, restored)).filter((d) => !d.startsWith('study ')),
    ...(await verify(restarted.baseUrl, restored)).lostRetrieve.map((sop) => `${sop}: not retrievable byte for byte`),
  ];
  return {
    acknowledged: acknowledged.length,
    unacknowledged: unacknowledged.length,
    lostRetrieve,
    lostFeed,
    lostAgesMs: acknowledged.filter((s) => lost.has(s.sop)).map((s) => killedAt - s.acknowledgedAt),
    disagreeing,
    restoreFailures,
    restoreMs,
    restoredDisagreeing,
    storageLine,
    recoveryLine: restarted.output.find((line) => line.startsWith('Start-up recovery')) ?? '',
    stored: [...acknowledged, ...restored.map((s) => ({ ...s, acknowledgedAt: Date.now() }))],
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
