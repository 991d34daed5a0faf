/**
 * `npm run bench:calls`: the storage calls each operation of a standard workload makes, counted
 * on the wire (shared/telemetry/storageCallRecorder.ts), by REST operation, with bytes, entity
 * writes, queue messages and the partitions touched (Blob, Table and Queue Storage). Timing on Azurite says little about Azure; these counts carry
 * over: each call is a billed transaction and a share of the account's and partition's targets.
 *
 *   npm run bench:calls -- [--json out.json] [--study-size 50] [--partition NAME]
 *
 * With `--partition`, data partitions are on and every data request goes to that partition (the
 * change feed stays global); the first row is then the first STOW into the new partition.
 *
 * Operations run one at a time on an otherwise idle server, and each one's count includes the
 * work it leaves running after its answer (pending-marker removal, background deletes, the events
 * publisher's run: its change-feed reads, one message per event to the events queue, its
 * checkpoint and lease): the count ends when no call has completed for a quiet period.
 *
 * Events go to the Storage Queue sink (`dicom-events`, the default without an Event Grid topic):
 * the run records it, and bench/ceilingModel.ts derives the topic sink's figures from it.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startAzurite } from '../host/azurite';
import { resetClients } from '../shared/storage/clients';
import { ensureStorage } from '../shared/storage/provision';
import { getConfig, resetConfig } from '../shared/config';
import { isStorageTransaction, type StorageCall } from '../shared/telemetry/storageCall';
import { StorageCallRecorder } from '../shared/telemetry/storageCallRecorder';
import { makeDicom, newUid } from '../test/support/dicomFactory';
import { multipartBody, multipartRelated, newBoundary } from '../test/support/multipartBody';
import { startBenchFunctionsHost } from './benchHost';
import { integersAtLeast } from './cliArgs';
import { describeSink, type EventsSink } from './eventsSink';

/**
 * No call completed for this long: the operation's trailing work is done. Longer than the store's
 * marker grace (shared/store/storeService.ts removes a store's marker 2 s after the answer) and
 * the events publisher's linger (it releases its lease 2 s after its last run).
 */
const QUIET_MS = 2500;

export interface OperationCalls {
  readonly operation: string;
  /** How many requests (or instances, for per-instance rows) the figures are averaged over. */
  readonly per: number;
  readonly perLabel: string;
  readonly calls: number;
  readonly byOperation: Record<string, number>;
  readonly entityWrites: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly partitions: number;
  /** The partition with the most calls, as `table/partition`, and its share of the calls. */
  readonly hottest: string;
  readonly hottestShare: number;
  /** Entity writes by `table/partition` (table writes only), for the ceiling model (bench/ceilingModel.ts). */
  readonly partitionWrites: Record<string, number>;
  /**
   * Queue Storage calls by queue, every kind (creating the queue included); and of those, the
   * calls on its messages (put, get, peek, update, delete), which count against the queue's
   * target. Absent in runs from before queue calls were counted (bench/scale-before.json).
   */
  readonly queueCalls?: Record<string, number>;
  readonly queueMessages?: Record<string, number>;
  /** Bytes sent by the messages put on each queue (XML envelope included): the targets assume 1 KiB messages. */
  readonly queueSentBytes?: Record<string, number>;
  /** Event Grid topic posts (no storage transactions: not in `calls`), when a topic is the sink. */
  readonly eventGridPosts?: number;
  /**
   * CPU milliseconds (user + system) of this process over the operation: the Functions host, the
   * app and the bench's HTTP client share it (Azurite runs in a child process), so this is an upper
   * bound on what the app spends.
   */
  readonly cpuMs?: number;
}

interface Workload {
  readonly base: string;
  /** The change feed's base: global, also when `base` is a partition's. */
  readonly feedBase: string;
  /** Set when the workload runs in a data partition (docs/partitions.md). */
  readonly partition?: string;
  readonly recorder: StorageCallRecorder;
}

const CONCURRENT_CLIENTS = 16;
const READ_REPEATS = 10;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      'study-size': { type: 'string', default: '50' },
      partition: { type: 'string' },
    },
  });
  const partition = values.partition;
  const [studySize = 50] = integersAtLeast('study-size', values['study-size'], 2);
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  Object.assign(process.env, { DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString });
  if (partition !== undefined) process.env.DICOM_DATA_PARTITIONS_ENABLED = 'true';
  resetConfig();
  resetClients();
  const host = await startBenchFunctionsHost();
  const rows: OperationCalls[] = [];
  const sink = eventsSink();
  try {
    await ensureStorage();
    const { url } = await host.http.listen(0, '127.0.0.1');
    const recorder = new StorageCallRecorder([
      { service: 'blob', url: azurite.blobUrl },
      { service: 'table', url: azurite.tableUrl },
      { service: 'queue', url: azurite.queueUrl },
    ]);
    const base = partition === undefined ? `${url}/v2` : `${url}/v2/partitions/${partition}`;
    await runWorkload({ base, feedBase: `${url}/v2`, partition, recorder }, studySize, rows);
    recorder.stop();
  } finally {
    await host.stop();
    await azurite.stop();
  }
  printTable(rows, sink);
  if (values.json) writeFileSync(values.json, JSON.stringify({ studySize, eventsSink: sink, rows }, null, 2));
}

/** The events sink the app's settings choose in this process (the Functions host runs in it). */
function eventsSink(): EventsSink {
  const { events } = getConfig();
  const filteredQueues = events.filteredQueues.map((f) => f.queue);
  if (!events.enabled) return { kind: 'off', filteredQueues };
  if (events.topicEndpoint !== undefined) return { kind: 'topic', filteredQueues };
  return { kind: 'queue', queue: events.queue, filteredQueues };
}

async function runWorkload(w: Workload, studySize: number, rows: OperationCalls[]): Promise<void> {
  // A study stored one instance per request: the first instance (new study, new series) on its own row.
  const study = newUid();
  const series = newUid();
  const sops: string[] = [];
  const instance = (): Buffer => {
    const sop = newUid();
    sops.push(sop);
    return makeDicom({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop, pixelDataBytes: 8192 });
  };
  if (w.partition !== undefined) {
    // Creating the partition: the registry transaction, its container and tables.
    rows.push(
      await measure(w, `STOW, first request into the new partition ${w.partition}`, 1, 'request', () =>
        stow(w.base, [makeDicom({ pixelDataBytes: 8192 })]),
      ),
    );
  }
  // A study stored before anything is measured: the store path's code is compiled (JIT) once, not
  // inside the first row's CPU figure. Its calls are not counted.
  await stow(w.base, [makeDicom({ pixelDataBytes: 8192 })]);
  await quiet(w.recorder);
  rows.push(await measure(w, 'STOW, first instance of a new study', 1, 'request', () => stow(w.base, [instance()])));
  const rest: Buffer[] = Array.from({ length: studySize - 1 }, instance);
  rows.push(
    await measure(
      w,
      `STOW, instances 2-${studySize} of the study, one per request`,
      rest.length,
      'instance',
      async () => {
        for (const file of rest) await stow(w.base, [file]);
      },
    ),
  );
  const batchStudy = newUid();
  const batch = Array.from({ length: studySize }, () =>
    makeDicom({ studyInstanceUid: batchStudy, seriesInstanceUid: newUid(), pixelDataBytes: 8192 }),
  );
  rows.push(
    await measure(w, `STOW, ${studySize} instances (${studySize} series) in one request`, studySize, 'instance', () =>
      stow(w.base, batch),
    ),
  );
  // The usual shape of a study sent whole (a modality or router forwarding it): few series.
  const typicalStudy = newUid();
  const typicalSeries = [newUid(), newUid()];
  const typical = Array.from({ length: studySize }, (_, i) =>
    makeDicom({ studyInstanceUid: typicalStudy, seriesInstanceUid: typicalSeries[i % 2], pixelDataBytes: 8192 }),
  );
  rows.push(
    await measure(w, `STOW, ${studySize} instances (2 series) in one request`, studySize, 'instance', () =>
      stow(w.base, typical),
    ),
  );
  // Many clients at once, one instance per request, into studies that exist: what concurrent
  // requests share (change-feed transactions).
  const clients = Array.from({ length: CONCURRENT_CLIENTS }, () => ({ study: newUid(), series: newUid() }));
  await Promise.all(
    clients.map((c) => stow(w.base, [makeDicom({ studyInstanceUid: c.study, seriesInstanceUid: c.series })])),
  );
  const perClient = 4;
  rows.push(
    await measure(
      w,
      `STOW, ${CONCURRENT_CLIENTS} clients at once, one instance per request`,
      CONCURRENT_CLIENTS * perClient,
      'instance',
      () =>
        Promise.all(
          clients.map(async (c) => {
            for (let i = 0; i < perClient; i += 1) {
              await stow(w.base, [makeDicom({ studyInstanceUid: c.study, seriesInstanceUid: c.series })]);
            }
          }),
        ).then(() => undefined),
    ),
  );
  const smallStudies = Array.from({ length: 10 }, () => {
    const s = newUid();
    const se = newUid();
    return Array.from({ length: 5 }, () => makeDicom({ studyInstanceUid: s, seriesInstanceUid: se }));
  });
  rows.push(
    await measure(w, 'STOW, 10 studies of 5 instances, one per request', 50, 'instance', async () => {
      for (const files of smallStudies) for (const file of files) await stow(w.base, [file]);
    }),
  );

  const sop = sops[1] ?? '';
  const reads: [string, string][] = [
    ['WADO instance', `/studies/${study}/series/${series}/instances/${sop}`],
    ['WADO frame 1', `/studies/${study}/series/${series}/instances/${sop}/frames/1`],
    ['WADO instance metadata', `/studies/${study}/series/${series}/instances/${sop}/metadata`],
    [`WADO series (${studySize} instances)`, `/studies/${study}/series/${series}`],
    [`WADO study metadata (${studySize} instances)`, `/studies/${study}/metadata`],
    ['QIDO studies, no filter, limit 10', '/studies?limit=10'],
    ['QIDO studies?PatientID', '/studies?PatientID=PID-1&limit=10'],
    ['QIDO studies?PatientName fuzzy', '/studies?PatientName=test&fuzzymatching=true&limit=10'],
    ['QIDO studies?PatientName=*pati*', '/studies?PatientName=*pati*&limit=10'],
    ['QIDO studies?StudyDate range', '/studies?StudyDate=20230101-20251231&limit=10'],
    ['QIDO studies?StudyInstanceUID', `/studies?StudyInstanceUID=${study}`],
    ['QIDO series?Modality', '/series?Modality=OT&limit=10'],
    ['QIDO study series', `/studies/${study}/series`],
    [`QIDO study instances (${studySize})`, `/studies/${study}/instances`],
    ['QIDO instances?SOPInstanceUID', `/instances?SOPInstanceUID=${sop}`],
    ['Change feed page of 10 (v2)', '/changefeed?offset=0&limit=10'],
    ['Change feed latest (v2)', '/changefeed/latest'],
  ];
  for (const [label, route] of reads) {
    const base = route.startsWith('/changefeed') ? w.feedBase : w.base;
    // Once unmeasured (compiling its code), then averaged over READ_REPEATS: the same calls each
    // time, and a CPU figure that is not one sample's.
    await get(base + route);
    await quiet(w.recorder);
    rows.push(
      await measure(w, label, READ_REPEATS, 'request', async () => {
        for (let i = 0; i < READ_REPEATS; i += 1) await get(base + route);
      }),
    );
  }
  const batchSeries = await firstSeriesOf(w.base, batchStudy);
  rows.push(
    await measure(w, 'DELETE instance', 1, 'request', () =>
      del(`${w.base}/studies/${study}/series/${series}/instances/${sop}`),
    ),
  );
  rows.push(
    await measure(w, 'DELETE series (1 instance)', 1, 'request', () =>
      del(`${w.base}/studies/${batchStudy}/series/${batchSeries}`),
    ),
  );
  rows.push(
    await measure(w, `DELETE study (${studySize - 1} instances)`, 1, 'request', () =>
      del(`${w.base}/studies/${study}`),
    ),
  );
}

async function measure(
  w: Workload,
  operation: string,
  per: number,
  perLabel: string,
  run: () => Promise<void>,
): Promise<OperationCalls> {
  w.recorder.take(); // the previous operation ended with a quiet period; nothing of it is left
  const cpuBefore = process.cpuUsage();
  await run();
  const calls = await quiet(w.recorder);
  const cpu = process.cpuUsage(cpuBefore);
  return { ...summarize(operation, per, perLabel, calls), cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Collects calls until none has completed for QUIET_MS. */
async function quiet(recorder: StorageCallRecorder): Promise<StorageCall[]> {
  const calls: StorageCall[] = [];
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    const more = recorder.take();
    if (more.length === 0) return calls;
    calls.push(...more);
  }
}

export function summarize(
  operation: string,
  per: number,
  perLabel: string,
  calls: readonly StorageCall[],
): OperationCalls {
  const byOperation: Record<string, number> = {};
  const byPartition = new Map<string, number>();
  const partitionWrites: Record<string, number> = {};
  const queueCalls: Record<string, number> = {};
  const queueMessages: Record<string, number> = {};
  const queueSentBytes: Record<string, number> = {};
  let entityWrites = 0;
  let requestBytes = 0;
  let responseBytes = 0;
  let eventGridPosts = 0;
  const transactions = calls.filter(isStorageTransaction);
  for (const call of calls) if (!isStorageTransaction(call)) eventGridPosts += 1;
  for (const call of transactions) {
    const name = `${call.service}.${call.operation}`;
    byOperation[name] = (byOperation[name] ?? 0) + 1;
    // A queue is its own partition.
    const partition = call.service === 'queue' ? `queue ${call.target}` : `${call.target}/${call.partition}`;
    byPartition.set(partition, (byPartition.get(partition) ?? 0) + 1);
    if (call.service === 'queue') {
      queueCalls[call.target] = (queueCalls[call.target] ?? 0) + 1;
      if (QUEUE_MESSAGE_OPERATIONS.has(call.operation)) {
        queueMessages[call.target] = (queueMessages[call.target] ?? 0) + 1;
      }
      if (call.operation === 'putMessage') {
        queueSentBytes[call.target] = (queueSentBytes[call.target] ?? 0) + call.requestBytes;
      }
    }
    entityWrites += call.entityWrites;
    if (call.entityWrites > 0) partitionWrites[partition] = (partitionWrites[partition] ?? 0) + call.entityWrites;
    requestBytes += call.requestBytes;
    responseBytes += call.responseBytes;
  }
  const [hottest = '', hottestCalls = 0] = [...byPartition].sort((a, b) => b[1] - a[1])[0] ?? [];
  return {
    operation,
    per,
    perLabel,
    calls: transactions.length,
    byOperation,
    entityWrites,
    requestBytes,
    responseBytes,
    partitions: byPartition.size,
    hottest,
    hottestShare: transactions.length === 0 ? 0 : hottestCalls / transactions.length,
    partitionWrites,
    queueCalls,
    queueMessages,
    queueSentBytes,
    eventGridPosts,
  };
}

/** Calls on a queue's messages: what its messages-per-second target counts. */
const QUEUE_MESSAGE_OPERATIONS = new Set([
  'putMessage',
  'getMessages',
  'peekMessages',
  'updateMessage',
  'deleteMessage',
]);

/** Queue message calls per operation, all queues together. */
function queueMessagesPer(row: OperationCalls): number {
  return Object.values(row.queueMessages ?? {}).reduce((a, b) => a + b, 0) / row.per;
}

function printTable(rows: readonly OperationCalls[], sink: EventsSink): void {
  console.log('\nStorage calls per operation (counted on the wire; Azurite, in-memory)\n');
  console.log(`Events sink: ${describeSink(sink)}\n`);
  console.log(
    '| Operation | Calls per | Entity writes per | Queue messages per | KiB up per | CPU ms per | Partitions | Hottest partition (share) | Calls by kind (total) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const r of rows) {
    const kinds = Object.entries(r.byOperation)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    const hottest = `${shorten(r.hottest)} (${Math.round(r.hottestShare * 100)}%)`;
    console.log(
      `| ${r.operation} | ${fixed(r.calls / r.per)} / ${r.perLabel} | ${fixed(r.entityWrites / r.per)} | ${fixed(queueMessagesPer(r))} | ${fixed(r.requestBytes / r.per / 1024)} | ${fixed((r.cpuMs ?? 0) / r.per)} | ${r.partitions} | ${hottest} | ${kinds} |`,
    );
  }
}

function fixed(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** UIDs make partitions long; the table and the start of the key say which one it is. */
function shorten(partition: string): string {
  return partition.length > 48 ? `${partition.slice(0, 45)}...` : partition;
}

async function stow(base: string, files: readonly Buffer[]): Promise<void> {
  const boundary = newBoundary();
  const body = multipartBody(
    files.map((file) => ({ contentType: 'application/dicom', body: file })),
    boundary,
  );
  const response = await fetch(`${base}/studies`, {
    method: 'POST',
    headers: { 'content-type': multipartRelated(boundary), accept: 'application/dicom+json' },
    body: new Uint8Array(body),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`STOW answered ${response.status}`);
}

async function get(url: string): Promise<void> {
  const response = await fetch(url, { headers: { accept: '*/*' } });
  await response.arrayBuffer();
  if (response.status >= 300) throw new Error(`GET ${url} answered ${response.status}`);
}

async function del(url: string): Promise<void> {
  const response = await fetch(url, { method: 'DELETE' });
  await response.arrayBuffer();
  if (response.status !== 204) throw new Error(`DELETE ${url} answered ${response.status}`);
}

async function firstSeriesOf(base: string, study: string): Promise<string> {
  const response = await fetch(`${base}/studies/${study}/series?limit=1`, {
    headers: { accept: 'application/dicom+json' },
  });
  const body = (await response.json()) as { '0020000E'?: { Value?: string[] } }[];
  return body[0]?.['0020000E']?.Value?.[0] ?? '';
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
