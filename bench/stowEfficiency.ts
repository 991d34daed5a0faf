/**
 * STOW-RS against the raw Azure SDK doing the same storage calls, on the same Azurite (issue 17:
 * the server should reach at least 90 % of the raw figure). A study of `--study-size` instances
 * (two series, `--kib` KiB of pixel data each) goes in one request; the raw side makes, with the
 * SDK alone, what bench:calls counts for that request: per instance a reservation (with the
 * upload, then) an index upsert; per request a marker, one change-feed transaction, one visibility
 * transaction per 100 instances, the summary read and write, and the marker's removal. Rounds
 * alternate between the two, each on studies of its own.
 *
 *   node dist/bench/stowEfficiency.js [--rounds 6] [--study-size 50] [--kib 64]
 */
import { parseArgs } from 'node:util';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import { startAzurite } from '../host/azurite';
import { resetConfig } from '../shared/config';
import { resetClients } from '../shared/storage/clients';
import { ensureStorage } from '../shared/storage/provision';
import { makeDicom, newUid } from '../test/support/dicomFactory';
import { multipartBody, multipartRelated, newBoundary } from '../test/support/multipartBody';
import { startBenchFunctionsHost } from './benchHost';
import { integersAtLeast } from './cliArgs';
import { cpuSeconds, descendants } from './procfs';

const MB = 1e6;

interface Study {
  readonly uid: string;
  readonly series: readonly string[];
  readonly files: readonly { readonly sop: string; readonly series: string; readonly bytes: Buffer }[];
}

function makeStudy(size: number, pixelBytes: number): Study {
  const uid = newUid();
  const series = [newUid(), newUid()];
  const files = Array.from({ length: size }, (_, i) => {
    const sop = newUid();
    const s = series[i % 2] ?? '';
    return {
      sop,
      series: s,
      bytes: makeDicom({
        studyInstanceUid: uid,
        seriesInstanceUid: s,
        sopInstanceUid: sop,
        pixelDataBytes: pixelBytes,
      }),
    };
  });
  return { uid, series, files };
}

async function serverStore(base: string, study: Study): Promise<void> {
  const boundary = newBoundary();
  const body = multipartBody(
    study.files.map((f) => ({ contentType: 'application/dicom', body: f.bytes })),
    boundary,
  );
  const response = await fetch(`${base}/v2/studies`, {
    method: 'POST',
    headers: { 'content-type': multipartRelated(boundary), accept: 'application/dicom+json' },
    body: new Uint8Array(body),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`STOW answered ${response.status}`);
}

interface RawClients {
  readonly container: ContainerClient;
  readonly instances: TableClient;
  readonly index: TableClient;
  readonly feed: TableClient;
  readonly studies: TableClient;
}

/** The storage calls of one STOW of `study`, made with the SDK alone, in the order the server makes them. */
async function rawStore(clients: RawClients, study: Study, feedCounter: { last: number; etag?: string }) {
  const version = newUid();
  const marker = {
    partitionKey: '~pending-00',
    rowKey: `${study.uid}|${version}`,
    Kind: 'request',
    Version: version,
  };
  await clients.instances.upsertEntity(marker, 'Replace');
  const reserved: { rowKey: string; etag: string }[] = [];
  for (const [i, file] of study.files.entries()) {
    const rowKey = `${file.series}|${file.sop}`;
    const [reservation] = await Promise.all([
      clients.instances.createEntity({
        partitionKey: study.uid,
        rowKey,
        State: 'creating',
        Version: `${version}.${i}`,
      }),
      clients.container.getBlockBlobClient(`${study.uid}/${rowKey}/${version}.${i}/file.dcm`).uploadData(file.bytes),
    ]);
    await clients.index.upsertEntity({ partitionKey: file.sop, rowKey: study.uid, Version: version }, 'Replace');
    reserved.push({ rowKey, etag: reservation.etag ?? '' });
  }
  const first = feedCounter.last + 1;
  feedCounter.last += study.files.length;
  const counter = { partitionKey: 'feed', rowKey: 'counter', Last: feedCounter.last };
  const feedActions: TransactionAction[] = [
    feedCounter.etag ? ['update', counter, 'Replace', { etag: feedCounter.etag }] : ['create', counter],
    ['create', { partitionKey: 'feed', rowKey: `seq-${String(first).padStart(16, '0')}`, Events: '[]' }],
  ];
  const feedResponse = await clients.feed.submitTransaction(feedActions);
  feedCounter.etag = feedResponse.subResponses[0]?.etag;
  for (let start = 0; start < reserved.length; start += 100) {
    await clients.instances.submitTransaction(
      reserved
        .slice(start, start + 100)
        .map(({ rowKey, etag }): TransactionAction => [
          'update',
          { partitionKey: study.uid, rowKey, State: 'created' },
          'Replace',
          { etag },
        ]),
    );
  }
  for await (const row of clients.studies.listEntities({
    queryOptions: { filter: `PartitionKey eq '${study.uid}'` },
  })) {
    void row;
  }
  await clients.studies.submitTransaction([
    ['upsert', { partitionKey: study.uid, rowKey: '~', Instances: study.files.length }, 'Replace'],
    ...study.series.map((s): TransactionAction => ['upsert', { partitionKey: study.uid, rowKey: s }, 'Replace']),
  ]);
  await clients.instances.deleteEntity(marker.partitionKey, marker.rowKey);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '6' },
      'study-size': { type: 'string', default: '50' },
      kib: { type: 'string', default: '64' },
    },
  });
  const [rounds = 6] = integersAtLeast('rounds', values.rounds, 1);
  const [studySize = 50] = integersAtLeast('study-size', values['study-size'], 1);
  const [kib = 64] = integersAtLeast('kib', values.kib, 1);
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  Object.assign(process.env, { DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString });
  resetConfig();
  resetClients();
  const host = await startBenchFunctionsHost();
  try {
    await ensureStorage();
    const { url } = await host.http.listen(0, '127.0.0.1');
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const container = blobs.getContainerClient('rawstow');
    await container.createIfNotExists();
    const table = async (name: string) => {
      const client = TableClient.fromConnectionString(azurite.connectionString, name, {
        allowInsecureConnection: true,
      });
      await client.createTable();
      return client;
    };
    const clients: RawClients = {
      container,
      instances: await table('rawInstances'),
      index: await table('rawSopIndex'),
      feed: await table('rawChangeFeed'),
      studies: await table('rawStudies'),
    };
    const feedCounter: { last: number; etag?: string } = { last: 0 };
    // Warm-up: connections, tables, the JIT.
    await serverStore(url, makeStudy(studySize, kib * 1024));
    await rawStore(clients, makeStudy(studySize, kib * 1024), feedCounter);
    const seconds = { server: 0, raw: 0 };
    // CPU seconds of this process (host, app and client, or the raw client) and of Azurite.
    const cpu = { server: { own: 0, azurite: 0 }, raw: { own: 0, azurite: 0 } };
    const azurites = descendants(process.pid);
    let bytes = 0;
    const timed = async (side: 'server' | 'raw', run: () => Promise<void>) => {
      const [ownBefore, azuriteBefore, started] = [process.cpuUsage(), cpuSeconds(azurites), performance.now()];
      await run();
      seconds[side] += (performance.now() - started) / 1000;
      const own = process.cpuUsage(ownBefore);
      cpu[side].own += (own.user + own.system) / 1e6;
      cpu[side].azurite += cpuSeconds(azurites) - azuriteBefore;
    };
    for (let round = 0; round < rounds; round += 1) {
      const [forServer, forRaw] = [makeStudy(studySize, kib * 1024), makeStudy(studySize, kib * 1024)];
      bytes += forServer.files.reduce((n, f) => n + f.bytes.length, 0);
      await timed('server', () => serverStore(url, forServer));
      await timed('raw', () => rawStore(clients, forRaw, feedCounter));
    }
    const instances = rounds * studySize;
    const perInstance = (secondsOfCpu: number) => ((1000 * secondsOfCpu) / instances).toFixed(1);
    const serverRate = instances / seconds.server;
    const rawRate = instances / seconds.raw;
    console.log(
      `STOW of a ${studySize}-instance study (${kib} KiB of pixel data each) in one request, ${rounds} rounds:\n` +
        `  server:  ${serverRate.toFixed(0)} instances/s, ${(bytes / MB / seconds.server).toFixed(1)} MB/s\n` +
        `  raw SDK: ${rawRate.toFixed(0)} instances/s, ${(bytes / MB / seconds.raw).toFixed(1)} MB/s (the same storage calls)\n` +
        `  the server reaches ${((100 * serverRate) / rawRate).toFixed(0)} % of the raw figure\n` +
        `  CPU ms per instance: server process ${perInstance(cpu.server.own)} + Azurite ${perInstance(cpu.server.azurite)}; ` +
        `raw client ${perInstance(cpu.raw.own)} + Azurite ${perInstance(cpu.raw.azurite)}`,
    );
  } finally {
    await host.stop();
    await azurite.stop();
  }
}

if (require.main === module) void main();
