/**
 * `npm run bench:lifecycle` (docs/lifecycle.md): how soon a DICOM event follows its commit, and what
 * the upload tool gains over plain STOW. Our server on an in-memory Azurite, as `npm run bench`.
 *
 * Events: instances stored one after the other while a subscriber receives from the `dicom-events`
 * queue as fast as it can; per event, the time from its commit (the event's `eventTime`, the change
 * feed's timestamp, same machine clock) and from the client's 200 to its receipt.
 * Upload: the same set of files (fresh UIDs each run) sent as one request per file, one at a time and
 * 4 at a time, and by `npm run upload` (4 requests at a time, multipart batches); run it again with
 * DICOM_EVENTS_ENABLED=false for what publishing costs the stores.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { upload } from '../scripts/upload/upload';
import { parseUploadArgs } from '../scripts/upload/uploadArgs';
import { mapConcurrently } from '../shared/changefeed/mapConcurrently';
import type { EventGridEvent } from '../shared/events/eventGridEvent';
import { makeDicom, newUid } from '../test/support/dicomFactory';
import { numberAtLeast } from './cliArgs';
import { startOurServer } from './servers';

interface Flags {
  events: number;
  files: number;
  fileKb: number;
}

function flags(argv: readonly string[]): Flags {
  const result: Flags = { events: 200, files: 300, fileKb: 128 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '') ?? '';
    const value = argv[i + 1] ?? '';
    if (name === 'events') result.events = Math.floor(numberAtLeast(name, value, 1));
    else if (name === 'files') result.files = Math.floor(numberAtLeast(name, value, 1));
    else if (name === 'file-kb') result.fileKb = Math.floor(numberAtLeast(name, value, 1));
    else throw new Error(`unknown flag --${name} (known: --events N, --files N, --file-kb N)`);
  }
  return result;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function stowOne(base: string, file: Buffer): Promise<number> {
  const response = await fetch(`${base}/studies`, {
    method: 'POST',
    body: new Uint8Array(file),
    headers: { 'Content-Type': 'application/dicom', Accept: 'application/dicom+json' },
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`STOW answered ${response.status}`);
  return Date.now();
}

async function measureEvents(base: string, connectionString: string, count: number): Promise<void> {
  const queue = new QueueClient(connectionString, 'dicom-events');
  await queue.createIfNotExists();
  const received = new Map<number, { event: EventGridEvent; at: number }>();
  let receiving = true;
  const subscriber = (async () => {
    while (receiving) {
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
      const at = Date.now();
      for (const message of receivedMessageItems) {
        const event = JSON.parse(message.messageText) as EventGridEvent;
        if (!received.has(event.data.sequenceNumber)) received.set(event.data.sequenceNumber, { event, at });
        void queue.deleteMessage(message.messageId, message.popReceipt).catch(() => undefined);
      }
    }
  })();
  const acknowledged = new Map<string, number>();
  const study = newUid();
  for (let i = 0; i < count; i++) {
    const sop = newUid();
    acknowledged.set(
      sop,
      await stowOne(base, makeDicom({ studyInstanceUid: study, sopInstanceUid: sop, pixelDataBytes: 16 * 1024 })),
    );
  }
  const deadline = Date.now() + 60_000;
  while (received.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  receiving = false;
  await subscriber;
  const fromCommit: number[] = [];
  const fromAnswer: number[] = [];
  for (const { event, at } of received.values()) {
    fromCommit.push(at - new Date(event.eventTime).getTime());
    const answered = acknowledged.get(event.data.imageSopInstanceUid);
    if (answered !== undefined) fromAnswer.push(at - answered);
  }
  console.log(`\nEvents: ${count} instances stored one after the other, ${received.size} events received`);
  console.log('| from | p50 | p95 | max |');
  console.log('| --- | --- | --- | --- |');
  for (const [label, values] of [
    ['commit (eventTime) to receipt', fromCommit],
    ["the client's 200 to receipt", fromAnswer],
  ] as const) {
    console.log(
      `| ${label} | ${percentile(values, 50)} ms | ${percentile(values, 95)} ms | ${Math.max(...values)} ms |`,
    );
  }
}

async function writeFolder(count: number, bytes: number): Promise<{ folder: string; files: Buffer[] }> {
  const folder = await mkdtemp(path.join(tmpdir(), 'bench-upload-'));
  const files: Buffer[] = [];
  let study = newUid();
  for (let i = 0; i < count; i++) {
    // 10 instances per study, as `npm run bench` stores them.
    if (i % 10 === 0) study = newUid();
    const file = makeDicom({ studyInstanceUid: study, pixelDataBytes: bytes });
    files.push(file);
    await writeFile(path.join(folder, `${i}.dcm`), file);
  }
  return { folder, files };
}

async function measureUpload(base: string, flagsOf: Flags): Promise<void> {
  console.log(`\nUpload: ${flagsOf.files} files of about ${flagsOf.fileKb} KiB`);
  console.log('| client | requests | seconds | files/s | MiB/s |');
  console.log('| --- | --- | --- | --- | --- |');
  const report = (label: string, requests: number, seconds: number, bytes: number) =>
    console.log(
      `| ${label} | ${requests} | ${seconds.toFixed(1)} | ${(flagsOf.files / seconds).toFixed(0)} | ${(bytes / 1024 / 1024 / seconds).toFixed(1)} |`,
    );
  for (const concurrency of [1, 4]) {
    const { folder, files } = await writeFolder(flagsOf.files, flagsOf.fileKb * 1024);
    const started = Date.now();
    await mapConcurrently(files, concurrency, (file) => stowOne(base, file));
    const seconds = (Date.now() - started) / 1000;
    report(`plain STOW, one file per request, ${concurrency} at a time`, files.length, seconds, total(files));
    await rm(folder, { recursive: true, force: true });
  }
  const { folder, files } = await writeFolder(flagsOf.files, flagsOf.fileKb * 1024);
  const options = parseUploadArgs([folder, '--url', base, '--quiet'], {});
  const summary = await upload(options, () => undefined);
  if (summary.stored !== files.length) throw new Error(`the tool stored ${summary.stored} of ${files.length}`);
  report(
    'npm run upload (4 at a time, multipart batches of 8 MiB / 50 files)',
    summary.requests,
    summary.seconds,
    total(files),
  );
  await rm(folder, { recursive: true, force: true });
}

function total(files: readonly Buffer[]): number {
  return files.reduce((sum, f) => sum + f.length, 0);
}

async function main(): Promise<void> {
  const options = flags(process.argv.slice(2));
  const server = await startOurServer({ apiVersion: 'v2' });
  try {
    console.log(server.description);
    // With DICOM_EVENTS_ENABLED=false (the STOW figures without the publisher's cost) there is nothing to receive.
    if (process.env.DICOM_EVENTS_ENABLED !== 'false') {
      await measureEvents(server.base, server.storageConnectionString ?? '', options.events);
    }
    await measureUpload(server.base, options);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
