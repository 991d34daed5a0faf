/**
 * Multipart reader throughput: `npm run build && node --expose-gc dist/bench/multipart.js`.
 *
 * Two bodies of about 1 GiB, fed from memory in 64 KiB chunks (views of one buffer, so the
 * source costs almost nothing): 512 KiB parts, and a single 1 GiB part. Each part is read to its
 * end by counting bytes. Prints MB/s (10^6 bytes) and the growth of heap and RSS, which must stay
 * flat whatever the body size.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { readMultipart } from '../shared/multipart/multipartReader';

const CHUNK = 64 * 1024;
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const BOUNDARY = 'bench-5f0c1a2b3c4d5e6f7a8b9c0d';
const PART_HEAD = Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1');
const CLOSE = Buffer.from(`--${BOUNDARY}--\r\n`, 'latin1');

interface Body {
  readonly name: string;
  readonly bytes: number;
  chunks(): Iterable<Buffer>;
}

/** `count` parts of `partBytes` random bytes; chunks are CHUNK-byte windows of a doubled part record. */
function manyParts(partBytes: number, count: number): Body {
  const record = Buffer.concat([PART_HEAD, randomBytes(partBytes), Buffer.from('\r\n')]);
  const doubled = Buffer.concat([record, record]);
  const recordsBytes = record.length * count;
  return {
    name: `${count} parts of ${partBytes / KiB} KiB`,
    bytes: recordsBytes + CLOSE.length,
    *chunks() {
      for (let position = 0; position < recordsBytes; position += CHUNK) {
        const offset = position % record.length;
        yield doubled.subarray(offset, offset + Math.min(CHUNK, recordsBytes - position));
      }
      yield CLOSE;
    },
  };
}

/** One part of `partBytes`: its head, CHUNK-byte views of one random buffer, the closing delimiter. */
function onePart(partBytes: number): Body {
  const payload = randomBytes(CHUNK);
  const tail = Buffer.concat([Buffer.from('\r\n'), CLOSE]);
  return {
    name: `1 part of ${partBytes / GiB} GiB`,
    bytes: PART_HEAD.length + partBytes + tail.length,
    *chunks() {
      yield PART_HEAD;
      for (let sent = 0; sent < partBytes; sent += CHUNK) yield payload.subarray(0, Math.min(CHUNK, partBytes - sent));
      yield tail;
    },
  };
}

interface Run {
  readonly seconds: number;
  readonly partBytes: number;
  readonly parts: number;
  readonly heapGrowth: number;
  readonly rssGrowth: number;
}

async function parse(body: Body): Promise<Run> {
  collectGarbage();
  const before = process.memoryUsage();
  let heapPeak = before.heapUsed;
  let rssPeak = before.rss;
  let partBytes = 0;
  let parts = 0;
  let reads = 0;
  const started = process.hrtime.bigint();
  for await (const part of readMultipart(Readable.from(body.chunks()), BOUNDARY, { maxParts: 100_000 })) {
    parts += 1;
    for await (const chunk of part.body as AsyncIterable<Buffer>) {
      partBytes += chunk.length;
      reads += 1;
      if (reads % 1024 === 0) {
        const now = process.memoryUsage();
        heapPeak = Math.max(heapPeak, now.heapUsed);
        rssPeak = Math.max(rssPeak, now.rss);
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, partBytes, parts, heapGrowth: heapPeak - before.heapUsed, rssGrowth: rssPeak - before.rss };
}

/** The cost of the in-memory source alone, to show that the figures measure the reader. */
async function sourceAlone(body: Body): Promise<number> {
  const started = process.hrtime.bigint();
  let bytes = 0;
  for await (const chunk of Readable.from(body.chunks())) bytes += (chunk as Buffer).length;
  if (bytes !== body.bytes) throw new Error(`source gave ${bytes} bytes, expected ${body.bytes}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function collectGarbage(): void {
  // Only with --expose-gc; without it the growth figures include garbage not yet collected.
  (globalThis as { gc?: () => void }).gc?.();
}

const mbps = (bytes: number, seconds: number): string => `${(bytes / 1e6 / seconds).toFixed(0)} MB/s`;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const bodies = [manyParts(512 * KiB, 2048), onePart(GiB)];
  console.log(`multipart reader, bodies fed from memory in 64 KiB chunks (Node ${process.version})`);
  // Warm-up, so that the first measured body does not pay for compilation.
  await parse(manyParts(512 * KiB, 64));
  for (const body of bodies) {
    const source = await sourceAlone(body);
    const run = await parse(body);
    const expectedParts = body.name.startsWith('1 part') ? 1 : 2048;
    if (run.parts !== expectedParts) throw new Error(`${body.name}: read ${run.parts} parts`);
    console.log(
      `${body.name.padEnd(24)} ${(body.bytes / 1e6).toFixed(0)} MB in ${run.seconds.toFixed(2)} s: ` +
        `${mbps(body.bytes, run.seconds)} (source alone ${mbps(body.bytes, source)}); ` +
        `part bytes ${(run.partBytes / 1e6).toFixed(0)} MB; peak growth heap ${mib(run.heapGrowth)}, RSS ${mib(run.rssGrowth)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
