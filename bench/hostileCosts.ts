/**
 * The attack classes of issue 13, replayed one at a time against the server as its own process
 * (in-memory Azurite): for each, what the client got and what it cost the server: wall time, RSS
 * growth (sampled every 10 ms, and VmHWM), and the largest event-loop delay the server reported
 * (DICOM_DIAG_EVENT_LOOP at 100 ms intervals). The bound of the issue: no request grows the server
 * by more than 256 MiB or blocks its event loop more than 100 ms.
 *
 *   npm run bench:hostile
 *
 * Exits non-zero when a row passes a bound.
 */
import { randomBytes } from 'node:crypto';
import { createDeflateRaw, deflateRawSync } from 'node:zlib';
import { TableServiceClient, TableClient } from '@azure/data-tables';
import { encodeElement, makeDicom, newUid, type InstanceSpec } from '../test/support/dicomFactory';
import { readFixture } from '../test/support/fixtures';
import { multipartBody, multipartRelated, newBoundary } from '../test/support/multipartBody';
import {
  DEFLATED_EXPLICIT_LE,
  datasetOf,
  fileMeta,
  fileWithTransferSyntax,
  manyFragmentsFile,
  personNameElements,
  personNameFlood,
} from '../test/support/hostileInputs';
import { failureReasons, send, type HostileResponse } from './hostileHttp';
import { readMemory } from './procfs';
import { startOurServer, type RunningServer } from './servers';
import { EventLoopLog } from './serverWatch';

const MiB = 1024 * 1024;
const RSS_BOUND_MIB = 256;
const LOOP_BOUND_MS = 100;
const DIAG_INTERVAL_MS = 100;

interface Row {
  readonly attack: string;
  readonly before: string;
  readonly client: string;
  readonly ms: number;
  readonly rssMiB: number;
  readonly hwmMiB: number;
  readonly loopMs: number;
}

const dicom = { 'Content-Type': 'application/dicom' };

function describe(answer: HostileResponse): string {
  const reasons = failureReasons(answer.text);
  const message = /"(?:Message|message|detail)"\s*:\s*"([^"]{0,90})/.exec(answer.text)?.[1];
  const warning = /"00081196"[^\]]*?"Value"\s*:\s*\[\s*(\d+)/.exec(answer.text)?.[1];
  return [
    String(answer.status),
    reasons.length > 0 ? `failure ${[...new Set(reasons)].join(',')}` : '',
    warning ? `warning ${warning}` : '',
    answer.status >= 400 && reasons.length === 0 && message ? `"${message}"` : '',
    answer.bytes > 100_000 ? `${(answer.bytes / MiB).toFixed(1)} MiB` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

class Bench {
  readonly rows: Row[] = [];
  constructor(
    private readonly server: RunningServer,
    private readonly loop: EventLoopLog,
  ) {}

  get root(): string {
    return this.server.base.replace(/\/v2$/, '');
  }

  /** Runs one attack alone on a quiet server and records its cost. */
  async measure(attack: string, before: string, run: () => Promise<string>): Promise<string> {
    await sleep(3 * DIAG_INTERVAL_MS);
    const start = readMemory(this.server.pid);
    let peak = start?.rssKiB ?? 0;
    const sampler = setInterval(() => (peak = Math.max(peak, readMemory(this.server.pid)?.rssKiB ?? 0)), 10);
    const t0 = Date.now();
    let client: string;
    try {
      client = await run();
    } catch (error) {
      client = `client error: ${String(error)}`;
    }
    const t1 = Date.now();
    clearInterval(sampler);
    await sleep(3 * DIAG_INTERVAL_MS);
    const end = readMemory(this.server.pid);
    const row: Row = {
      attack,
      before,
      client,
      ms: t1 - t0,
      rssMiB: Math.max(0, peak - (start?.rssKiB ?? 0)) / 1024,
      hwmMiB: Math.max(0, (end?.hwmKiB ?? 0) - (start?.hwmKiB ?? 0)) / 1024,
      loopMs: this.loop.maxBetween(t0, t1 + 2 * DIAG_INTERVAL_MS),
    };
    this.rows.push(row);
    console.log(
      `${attack.padEnd(60)} ${client.slice(0, 60).padEnd(60)} ${String(row.ms).padStart(7)} ms  +${row.rssMiB.toFixed(0).padStart(4)} MiB (HWM +${row.hwmMiB.toFixed(0)})  loop ${row.loopMs.toFixed(0)} ms`,
    );
    return client;
  }

  stow(body: Buffer, study?: string): Promise<HostileResponse> {
    return send('POST', `${this.root}/v2/studies${study ? `/${study}` : ''}`, { headers: dicom, body });
  }

  /** One multipart request of `files`. */
  stowParts(files: readonly Buffer[]): Promise<HostileResponse> {
    const boundary = newBoundary();
    const body = multipartBody(
      files.map((file) => ({ contentType: 'application/dicom', body: file })),
      boundary,
    );
    return send('POST', `${this.root}/v2/studies`, { headers: { 'Content-Type': multipartRelated(boundary) }, body });
  }

  async stowOk(body: Buffer): Promise<void> {
    const answer = await this.stow(body);
    if (answer.status !== 200 && answer.status !== 202)
      throw new Error(`setup store failed: ${describe(answer)} ${answer.text.slice(0, 300)}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A Deflated Explicit VR LE file whose dataset ends in an OB element of `zeros` zero bytes, deflated as a stream. */
async function deflateBomb(zeros: number, spec: InstanceSpec = {}): Promise<Buffer> {
  const uid = newUid();
  const header = Buffer.alloc(12);
  header.writeUInt16LE(0x0009, 0);
  header.writeUInt16LE(0x1001, 2);
  header.write('OB', 4, 'latin1');
  header.writeUInt32LE(zeros, 8);
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => deflate.on('end', resolve));
  const private09 = { tag: '00090010', vr: 'LO', value: 'HOSTILE' };
  deflate.write(Buffer.concat([datasetOf(makeDicom({ ...spec, sopInstanceUid: uid, elements: [private09] })), header]));
  const block = Buffer.alloc(16 * MiB);
  for (let left = zeros; left > 0; left -= block.length) {
    if (!deflate.write(block.subarray(0, Math.min(block.length, left))))
      await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await ended;
  return Buffer.concat([fileMeta(DEFLATED_EXPLICIT_LE, uid), ...out]);
}

/** A deflated file that inflates about 90 times: 1 KiB of noise then 90 KiB of zeros, `blocks` times, in an OB value. */
function deflatedAtRatio(blocks: number, spec: InstanceSpec & { sopInstanceUid: string }): Buffer {
  const unit = 91 * 1024;
  const value = Buffer.alloc(blocks * unit);
  for (let i = 0; i < blocks; i += 1) randomBytes(1024).copy(value, i * unit);
  const uid = spec.sopInstanceUid;
  const dataset = datasetOf(
    makeDicom({
      ...spec,
      elements: [
        { tag: '00090010', vr: 'LO', value: 'HOSTILE' },
        { tag: '00091001', vr: 'OB', value },
      ],
    }),
  );
  return Buffer.concat([fileMeta(DEFLATED_EXPLICIT_LE, uid), deflateRawSync(dataset)]);
}

/** `file` with `extra` appended to its File Meta group. */
function withBiggerFileMeta(file: Buffer, extra: Buffer): Buffer {
  const metaLength = file.readUInt32LE(140);
  const out = Buffer.concat([file.subarray(0, 144 + metaLength), extra, file.subarray(144 + metaLength)]);
  out.writeUInt32LE(metaLength + extra.length, 140);
  return out;
}

async function countIndexEntities(connectionString: string): Promise<number> {
  const service = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  let count = 0;
  for await (const table of service.listTables()) {
    if (!table.name?.startsWith('dicomIx')) continue;
    const client = TableClient.fromConnectionString(connectionString, table.name, { allowInsecureConnection: true });
    for await (const page of client
      .listEntities({ queryOptions: { select: ['PartitionKey'] } })
      .byPage({ maxPageSize: 1000 })) {
      count += page.length;
    }
  }
  return count;
}

async function main(): Promise<void> {
  const loop = new EventLoopLog();
  const server = await startOurServer({
    apiVersion: 'v2',
    env: {
      DICOM_MAX_REQUEST_BYTES: String(256 * MiB),
      FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: String(300 * MiB),
      DICOM_DIAG_EVENT_LOOP: String(DIAG_INTERVAL_MS),
    },
    onOutput: loop.onLine,
  });
  const b = new Bench(server, loop);
  const root = b.root;
  console.log(`hostile costs: ${server.description}\n`);
  try {
    // Decoded-value amplification.
    const flood = makeDicom({ elements: personNameFlood(32 * MiB) });
    await b.measure('32 MiB of multi-valued person names, STOW', 'accepted; RSS 0.9 -> 2.35 GB', async () =>
      describe(await b.stow(flood)),
    );
    await b.measure('the same, three at once', 'peak 6 GB', async () => {
      const answers = await Promise.all(
        [0, 1, 2].map(() => b.stow(makeDicom({ elements: personNameFlood(32 * MiB) }))),
      );
      return answers.map(describe).join('; ');
    });
    // The largest person-name instance the budget accepts: 12 elements of 32,767 values.
    const pnStudy = newUid();
    const bigPn = (): Buffer => makeDicom({ studyInstanceUid: pnStudy, elements: personNameElements(393_000) });
    await b.measure('largest accepted person-name instance (393,000 values, 786 KB), STOW', '-', async () =>
      describe(await b.stow(bigPn())),
    );
    for (let i = 0; i < 4; i += 1) await b.stowOk(bigPn());
    // A request's instances wait for each other to commit together, holding their decoded metadata
    // meanwhile: the wait ends at 8 MiB of it (shared/store/commitGroup.ts), so this costs a few
    // instances' memory, not twenty.
    const quarterPn = Array.from({ length: 20 }, () => makeDicom({ elements: personNameElements(98_000) }));
    await b.measure('20 person-name instances (98,000 values each) in one request, STOW', '-', async () =>
      describe(await b.stowParts(quarterPn)),
    );
    // And 5 whose metadata (about 3.4 MiB of JSON each) fits the 4 MiB entry bound: the page fills its 16 MiB.
    for (let i = 0; i < 5; i += 1) await b.stowOk(makeDicom({ elements: personNameElements(180_000) }));
    await b.measure(
      'change feed, includemetadata, over those 10 entries (page at its 16 MiB metadata cap)',
      '46 s, 4.2 GB, 500 every poll',
      async () => describe(await send('GET', `${root}/v2/changefeed?includemetadata=true&limit=200`)),
    );
    await b.measure('study metadata of those 5 instances', '1.35 GB body', async () =>
      describe(await send('GET', `${root}/v2/studies/${pnStudy}/metadata`)),
    );

    // Decompression bombs.
    const bomb = await deflateBomb(0xfffffff0);
    await b.measure(
      `deflated instance of ${(bomb.length / MiB).toFixed(1)} MiB inflating to 4 GiB, STOW`,
      'inflated 4 GiB on the event loop; /health stalls ~2 s',
      async () => describe(await b.stow(bomb)),
    );
    const ratioStudy = newUid();
    const ratioSeries = newUid();
    const ratioSop = newUid();
    const atRatio = deflatedAtRatio(1100, {
      studyInstanceUid: ratioStudy,
      seriesInstanceUid: ratioSeries,
      sopInstanceUid: ratioSop,
    });
    await b.measure(
      `deflated instance at ${((1100 * 91 * 1024) / atRatio.length).toFixed(0)}x (${(atRatio.length / MiB).toFixed(1)} MiB -> ${((1100 * 91) / 1024).toFixed(0)} MiB), STOW`,
      '-',
      async () => describe(await b.stow(atRatio)),
    );
    await b.measure(
      '  retrieve it as Explicit VR LE (inflated on the way out)',
      '~1000x egress per retrieve',
      async () =>
        describe(
          await send('GET', `${root}/v2/studies/${ratioStudy}/series/${ratioSeries}/instances/${ratioSop}`, {
            headers: { Accept: 'application/dicom; transfer-syntax=1.2.840.10008.1.2.1' },
          }),
        ),
    );

    // Identifiers.
    await b.measure('StudyInstanceUID "..", STOW', 'accepted; resolved into other blob paths', async () =>
      describe(await b.stow(makeDicom({ studyInstanceUid: '..' }))),
    );
    await b.measure('  GET /v2/studies/%2e%2e/series/x/metadata', 'another container reachable', async () =>
      describe(await send('GET', `${root}/v2/studies/%2e%2e/series/1.2/metadata`)),
    );
    await b.measure(
      'CR/LF in the TransferSyntaxUID, STOW',
      'stored; injected part headers, 500 on retrieve',
      async () => describe(await b.stow(fileWithTransferSyntax('1.2.840.10008.1.2.1\r\nX-Injected: yes'))),
    );

    // Wildcards against long stored values: 20 studies with 1,500-character names.
    for (let i = 0; i < 20; i += 1) await b.stowOk(makeDicom({ patientName: 'a'.repeat(1500) }));
    const slowPattern = `${'*a'.repeat(31)}*b`;
    await b.measure(
      `QIDO PatientName=${slowPattern.slice(0, 8)}… (${slowPattern.length} chars) over 20 long names`,
      '3.7 s blocked (~0.7 s per study)',
      async () => describe(await send('GET', `${root}/v2/studies?PatientName=${encodeURIComponent(slowPattern)}`)),
    );
    const longPattern = `${'*a'.repeat(199)}*b`;
    await b.measure(`  the same with a ${longPattern.length}-character pattern`, '-', async () =>
      describe(await send('GET', `${root}/v2/studies?PatientName=${encodeURIComponent(longPattern)}`)),
    );

    // Frame index: 100,000 fragments (the cap), then one frame of it; one over the cap.
    const fragStudy = newUid();
    const fragSeries = newUid();
    const fragSop = newUid();
    const fragments = manyFragmentsFile(100_000, {
      studyInstanceUid: fragStudy,
      seriesInstanceUid: fragSeries,
      sopInstanceUid: fragSop,
    });
    await b.measure('100,000 fragments (1 MB), STOW', '-', async () => describe(await b.stow(fragments)));
    const framesUrl = `${root}/v2/studies/${fragStudy}/series/${fragSeries}/instances/${fragSop}/frames`;
    const octets = { Accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' };
    await b.measure('  one frame of it (frame 50,000)', '24 MB index parsed per request: 0.5-0.8 s', async () =>
      describe(await send('GET', `${framesUrl}/50000`, { headers: octets })),
    );
    await b.measure('100,001 fragments, STOW', '-', async () => describe(await b.stow(manyFragmentsFile(100_001))));
    await b.measure('  3,900 duplicate frame numbers (fits 8 KB)', '-', async () =>
      describe(await send('GET', `${framesUrl}/${Array(3900).fill('1').join(',')}`, { headers: octets })),
    );
    await b.measure('  7,900 duplicate frame numbers', '7,900 reads of one frame, 260 MB', async () =>
      describe(await send('GET', `${framesUrl}/${Array(7900).fill('1').join(',')}`, { headers: octets })),
    );

    // Write amplification: 100 distinct person names in one instance.
    const amplStudy = newUid();
    const entitiesBefore = server.storageConnectionString
      ? await countIndexEntities(server.storageConnectionString)
      : 0;
    const names = Array.from({ length: 100 }, (_, i) => `Name${i}^Given${i}^Middle${i}`);
    const amplified = makeDicom({
      studyInstanceUid: amplStudy,
      elements: [
        { tag: '00100010', vr: 'PN', value: names.join('\\') },
        { tag: '00080090', vr: 'PN', value: names.join('\\') },
      ],
    });
    const amplClient = await b.measure(
      'one instance with 100 distinct person names (x2 attributes), STOW',
      '6,143 index entities (~50 MB)',
      async () => describe(await b.stow(amplified)),
    );
    const entitiesAfter = server.storageConnectionString ? await countIndexEntities(server.storageConnectionString) : 0;
    const last = b.rows[b.rows.length - 1];
    if (last)
      b.rows[b.rows.length - 1] = {
        ...last,
        client: `${amplClient}; ${entitiesAfter - entitiesBefore} index entities`,
      };
    console.log(`  index entities created: ${entitiesAfter - entitiesBefore}`);
    await b.measure('  DELETE its study', 'delete took 17 s', async () =>
      describe(await send('DELETE', `${root}/v2/studies/${amplStudy}`)),
    );

    // Unicode: a key cut inside a surrogate pair.
    const surrogateName = `${'a'.repeat(63)}\u{1F600}b`;
    const surrogateStudy = newUid();
    await b.stowOk(
      makeDicom({
        studyInstanceUid: surrogateStudy,
        patientName: surrogateName,
        elements: [{ tag: '00080005', vr: 'CS', value: 'ISO_IR 192' }],
      }),
    );
    await b.measure('surrogate pair at the key cut: QIDO by that name', 'search 500, study unsearchable', async () => {
      const answer = await send('GET', `${root}/v2/studies?PatientName=${encodeURIComponent(`${'a'.repeat(63)}*`)}`);
      return `${describe(answer)}${answer.text.includes(surrogateStudy) ? ' (found)' : ' (NOT found)'}`;
    });

    // Fan-out.
    const uids2400 = Array.from({ length: 2400 }, (_, i) => String(i % 10)).join(',');
    await b.measure('QIDO StudyInstanceUID list of 2,400 UIDs', '2,400 table queries', async () =>
      describe(await send('GET', `${root}/v2/studies?StudyInstanceUID=${uids2400}`)),
    );
    await b.measure('QIDO offset=1000000000', 'walked the whole index', async () =>
      describe(await send('GET', `${root}/v2/studies?offset=1000000000`)),
    );

    // File Meta buffering: a 15 MiB File Meta group, read back converted (the quadratic buffer).
    const bigMeta = withBiggerFileMeta(
      readFixture('rich-implicit-le.dcm'),
      encodeElement({ tag: '00020102', vr: 'OB', value: Buffer.alloc(15 * MiB, 1) }),
    );
    const metaAnswer = await b.stow(bigMeta);
    const metaRef = /studies\/([^/"]+)\/series\/([^/"]+)\/instances\/([^/"]+)"/.exec(metaAnswer.text);
    if (metaRef) {
      await b.measure(
        '15 MiB File Meta group, retrieve converted to Explicit VR LE',
        '0.5-0.8 s (quadratic buffering)',
        async () =>
          describe(
            await send('GET', `${root}/v2/studies/${metaRef[1]}/series/${metaRef[2]}/instances/${metaRef[3]}`, {
              headers: { Accept: 'application/dicom; transfer-syntax=1.2.840.10008.1.2.1' },
            }),
          ),
      );
    } else {
      console.log(`  15 MiB File Meta instance not stored: ${describe(metaAnswer)}`);
    }
  } finally {
    await server.stop();
  }

  console.log('\n| Attack | Before (issue 13) | Client gets now | Time | Server RSS growth | Event-loop max |');
  console.log('| --- | --- | --- | --: | --: | --: |');
  const failed: string[] = [];
  for (const row of b.rows) {
    const over = row.rssMiB > RSS_BOUND_MIB || row.loopMs > LOOP_BOUND_MS;
    if (over) failed.push(row.attack.trim());
    console.log(
      `| ${row.attack.trim()} | ${row.before} | ${row.client} | ${(row.ms / 1000).toFixed(2)} s | ${row.rssMiB.toFixed(0)} MiB | ${row.loopMs.toFixed(0)} ms${over ? ' **over**' : ''} |`,
    );
  }
  if (failed.length > 0) {
    console.log(`\nOver a bound (${RSS_BOUND_MIB} MiB or ${LOOP_BOUND_MS} ms): ${failed.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
