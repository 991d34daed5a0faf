/**
 * Reindex under SIGKILL (docs/extended-query-tags.md): `npm start`'s entry on a temporary data
 * folder, `count` tiny instances stored in large multipart batches, then two extended query tags
 * added (an instance-level IS with a unique value per instance, and a DA whose value is invalid
 * in every 500th instance); the server is killed with SIGKILL at about a third and two thirds of
 * the walk and started again on the same Azurite each time. The outcome says how many value rows
 * and index entries each instance got and how many errors were counted, which must be exactly one,
 * one and count/500. Used by test/extendedQueryTags/eqtReindexCrash.test.ts and bench/eqtReindex.ts.
 */
import { TableClient } from '@azure/data-tables';
import { setTimeout as sleep } from 'node:timers/promises';
import { azuriteEndpoints } from '../../host/azurite';
import { makeDicom, newUid } from './dicomFactory';
import { killServer, startServer, stopServer, type StartedServer } from './startCrash';
import { Tag } from '../../shared/dicom/tags';
import { firstValue, sequence, stowFiles } from './stowClient';

/** 00200013 InstanceNumber (IS), instance level: a unique value per instance. */
export const NUMBER_TAG = '00200013';
/** 00080023 ContentDate (DA), study level: invalid in every ERROR_EVERY-th instance. */
export const DATE_TAG = '00080023';
export const ERROR_EVERY = 500;
const INSTANCES_PER_STUDY = 20;
const STOW_BATCH = 100;
const STOW_CONCURRENCY = 4;

export interface ReindexCrashOptions {
  readonly start: string;
  readonly env: Readonly<Record<string, string>>;
  readonly count: number;
  /** Fractions of the walk at which the server is killed. */
  readonly killAt: readonly number[];
  readonly log?: (line: string) => void;
}

export interface ReindexCrashOutcome {
  readonly stored: number;
  /** Value rows of the IS tag per instance number: every one must be 1. */
  readonly valueRowsPerInstance: ReadonlyMap<number, number>;
  /** Index entries of the IS tag per instance number. */
  readonly indexEntriesPerInstance: ReadonlyMap<number, number>;
  readonly kills: readonly { readonly at: number; readonly indexedBefore: number }[];
  readonly dateTag: { status: string; queryStatus: string; errors?: { count: number } } | undefined;
  readonly errorRows: number;
  readonly loadSeconds: number;
  /** From the tag POST to both tags ready, restarts included. */
  readonly reindexSeconds: number;
  /** Instances found by QIDO on the IS tag for a sample of values. */
  readonly sampleFound: number;
  readonly sampleSize: number;
  readonly server: StartedServer;
}

/** 00100021 IssuerOfPatientID (LO), study level: the same value as PatientID (the benchmark compares them). */
export const ISSUER_TAG = '00100021';
/** Distinct patient IDs: each matches 1/PATIENT_GROUPS of the studies. */
export const PATIENT_GROUPS = 50;

export function patientOf(studyIndex: number): string {
  return `P${studyIndex % PATIENT_GROUPS}`;
}

function instanceFile(study: string, series: string, n: number): Buffer {
  const date = n % ERROR_EVERY === 0 ? '2024-13-45' : '20240101';
  const patient = patientOf(Math.floor((n - 1) / INSTANCES_PER_STUDY));
  return makeDicom({
    studyInstanceUid: study,
    seriesInstanceUid: series,
    sopInstanceUid: newUid(),
    patientId: patient,
    elements: [
      { tag: NUMBER_TAG, vr: 'IS', value: String(n) },
      { tag: DATE_TAG, vr: 'DA', value: date },
      { tag: ISSUER_TAG, vr: 'LO', value: patient },
    ],
  });
}

export async function storeTinyInstances(baseUrl: string, count: number): Promise<void> {
  const batches: Buffer[][] = [];
  let study = newUid();
  let series = newUid();
  for (let n = 1; n <= count; n++) {
    if ((n - 1) % INSTANCES_PER_STUDY === 0) {
      study = newUid();
      series = newUid();
    }
    if ((n - 1) % STOW_BATCH === 0) batches.push([]);
    batches[batches.length - 1]?.push(instanceFile(study, series, n));
  }
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      await storeBatch(baseUrl, batches[next++] ?? []);
    }
  };
  await Promise.all(Array.from({ length: STOW_CONCURRENCY }, worker));
}

/** Failures worth sending again: 272 (processing failure, e.g. an emulator timeout under load). */
const RETRIED_FAILURE = 272;
/** On a batch sent again, what the earlier attempt stored. */
const ALREADY_STORED = 45070;
/** Whole answers worth sending the batch again for: a busy machine's timeouts. */
const RETRIED_STATUSES = new Set([503, 504]);
const STOW_ATTEMPTS = 4;

/**
 * Stores a batch; instances that failed with 272, or all of them after a 503/504, are sent again
 * (a busy emulator times out now and then); on those retries, 45070 means the earlier attempt stored it.
 */
async function storeBatch(baseUrl: string, batch: readonly Buffer[]): Promise<void> {
  let pending = batch.map((file) => ({ file, sop: sopOf(file) }));
  for (let attempt = 1; pending.length > 0; attempt++) {
    const reply = await stowFiles(
      `${baseUrl}/v2/studies`,
      pending.map((p) => p.file),
    );
    if (reply.status === 200) return;
    if (RETRIED_STATUSES.has(reply.status) && attempt < STOW_ATTEMPTS) continue;
    const failed = sequence(reply.json, Tag.FailedSOPSequence);
    const reasonOf = (f: (typeof failed)[number]) => firstValue(f, Tag.FailureReason);
    const retried = new Set(
      failed.filter((f) => reasonOf(f) === RETRIED_FAILURE).map((f) => firstValue(f, Tag.ReferencedSOPInstanceUID)),
    );
    const unexpected = failed.filter(
      (f) => reasonOf(f) !== RETRIED_FAILURE && !(attempt > 1 && reasonOf(f) === ALREADY_STORED),
    );
    if (failed.length === 0 || unexpected.length > 0 || (retried.size > 0 && attempt >= STOW_ATTEMPTS)) {
      throw new Error(`STOW answered ${reply.status}: ${reply.text.slice(0, 300)}`);
    }
    pending = pending.filter((p) => retried.has(p.sop));
  }
}

/** The SOP Instance UID makeDicom wrote (the value after the 00080018 UI header). */
function sopOf(file: Buffer): string {
  const at = file.indexOf(Buffer.from([0x08, 0x00, 0x18, 0x00, 0x55, 0x49]));
  const length = file.readUInt16LE(at + 6);
  return file
    .subarray(at + 8, at + 8 + length)
    .toString('latin1')
    .replace(/\0$/, '');
}

/** The storage account of the Azurite a start.js announced (`on ports B, Q, T`). */
export function connectionStringOf(server: StartedServer): string {
  const line = server.output.find((l) => / on ports \d+, \d+, \d+/.test(l)) ?? '';
  const [blob, queue, table] = (/ on ports (\d+), (\d+), (\d+)/.exec(line) ?? []).slice(1).map(Number);
  if (!blob || !queue || !table) throw new Error(`no Azurite ports in the output:\n${server.output.join('\n')}`);
  return azuriteEndpoints({ blob, queue, table }).connectionString;
}

/** start.js's tables carry its prefix (DICOM_TABLE_PREFIX, default `dicom`). */
function client(connectionString: string, table: string): TableClient {
  return TableClient.fromConnectionString(connectionString, (process.env.DICOM_TABLE_PREFIX || 'dicom') + table, {
    allowInsecureConnection: true,
  });
}

/** RowKeys of a tag's rows (any generation) in one of the EQT tables. */
async function rowsOf(connectionString: string, table: string, path: string): Promise<{ pk: string; rk: string }[]> {
  const upper = `${path.slice(0, 7)}${String.fromCharCode(path.charCodeAt(7) + 1)}`;
  const rows: { pk: string; rk: string }[] = [];
  const list = client(connectionString, table).listEntities({
    queryOptions: {
      filter: `PartitionKey ge '${path}' and PartitionKey lt '${upper}'`,
      select: ['PartitionKey', 'RowKey'],
    },
  });
  for await (const e of list) rows.push({ pk: e.partitionKey ?? '', rk: e.rowKey ?? '' });
  return rows;
}

async function tagJson(baseUrl: string, path: string): Promise<ReindexCrashOutcome['dateTag'] & { status: string }> {
  const reply = await fetch(`${baseUrl}/v2/extendedquerytags/${path}`);
  return (await reply.json()) as ReindexCrashOutcome['dateTag'] & { status: string };
}

/**
 * A restarted server resumes an operation at start-up when its last step was saved longer ago than
 * the stale bound (docs/operations.md): the shortest bound, and a restart that waits that long.
 */
const STALE_SECONDS = 5;

export async function reindexCrashRun(options: ReindexCrashOptions): Promise<ReindexCrashOutcome> {
  const env = { ...options.env, DICOM_OPERATION_STALE_SECONDS: String(STALE_SECONDS) };
  let server = await startServer(options.start, env);
  try {
    return await crashRun(options, env, server, (next) => (server = next));
  } catch (error) {
    // Leave no server behind (the caller stops the Azurite).
    if (server.group.exitCode === null && server.group.signalCode === null) killServer(server, 'group');
    throw error;
  }
}

async function crashRun(
  options: ReindexCrashOptions,
  env: Record<string, string>,
  first: StartedServer,
  restarted: (server: StartedServer) => void,
): Promise<ReindexCrashOutcome> {
  const log = options.log ?? (() => undefined);
  let server = first;
  const storage = connectionStringOf(server);
  const loadStart = Date.now();
  await storeTinyInstances(server.baseUrl, options.count);
  const loadSeconds = (Date.now() - loadStart) / 1000;
  log(`stored ${options.count} instances in ${loadSeconds.toFixed(1)} s`);

  const reindexStart = Date.now();
  const post = await fetch(`${server.baseUrl}/v2/extendedquerytags`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify([
      { path: NUMBER_TAG, level: 'Instance' },
      { path: DATE_TAG, level: 'Study' },
    ]),
  });
  if (post.status !== 202) throw new Error(`POST answered ${post.status}: ${await post.text()}`);

  const kills: { at: number; indexedBefore: number }[] = [];
  for (const fraction of options.killAt) {
    const target = Math.floor(options.count * fraction);
    for (;;) {
      const indexed = (await rowsOf(storage, 'IxExtTagValues', NUMBER_TAG)).length;
      if (indexed >= target) {
        killServer(server, 'server');
        await new Promise((resolve) => server.group.once('exit', resolve));
        kills.push({ at: fraction, indexedBefore: indexed });
        log(`killed (SIGKILL) with ${indexed} of ${options.count} instances indexed`);
        break;
      }
      // Each look scans the tag's rows: less often for a large store.
      await sleep(Math.max(50, options.count / 100));
    }
    await sleep(STALE_SECONDS * 1000);
    server = await startServer(options.start, env);
    restarted(server);
  }

  for (;;) {
    const tags = await Promise.all([tagJson(server.baseUrl, NUMBER_TAG), tagJson(server.baseUrl, DATE_TAG)]);
    if (tags.every((t) => t.status === 'ready')) break;
    await sleep(200);
  }
  const reindexSeconds = (Date.now() - reindexStart) / 1000;
  log(`reindex done in ${reindexSeconds.toFixed(1)} s (with ${kills.length} restarts)`);

  const perInstance = (rows: { pk: string; rk: string }[], numberOf: (row: { pk: string; rk: string }) => number) => {
    const counts = new Map<number, number>();
    for (const row of rows) counts.set(numberOf(row), (counts.get(numberOf(row)) ?? 0) + 1);
    return counts;
  };
  // Value rows: RowKey the instance's entity key; index entries: PartitionKey carries the value.
  const values = await rowsOf(storage, 'IxExtTagValues', NUMBER_TAG);
  const sopToNumber = new Map<string, number>();
  const entries = await rowsOf(storage, 'IxExtTags', NUMBER_TAG);
  for (const e of entries) sopToNumber.set(e.rk, Number(/\|E(-?\d+)\|/.exec(e.pk)?.[1]));
  const valueRowsPerInstance = perInstance(values, (row) => sopToNumber.get(row.rk) ?? -1);
  const indexEntriesPerInstance = perInstance(entries, (row) => Number(/\|E(-?\d+)\|/.exec(row.pk)?.[1]));
  const errorRows = (await rowsOf(storage, 'ExtendedQueryTagErrors', DATE_TAG)).length;

  const sample = Array.from({ length: 20 }, (_, i) => 1 + Math.floor((i * options.count) / 20));
  let sampleFound = 0;
  for (const n of sample) {
    const reply = await fetch(`${server.baseUrl}/v2/instances?${NUMBER_TAG}=${n}`, {
      headers: { Accept: 'application/dicom+json' },
    });
    if (reply.status === 200 && ((await reply.json()) as unknown[]).length === 1) sampleFound++;
  }
  return {
    stored: options.count,
    valueRowsPerInstance,
    indexEntriesPerInstance,
    kills,
    dateTag: await tagJson(server.baseUrl, DATE_TAG),
    errorRows,
    loadSeconds,
    reindexSeconds,
    sampleFound,
    sampleSize: sample.length,
    server,
  };
}

export { stopServer };
