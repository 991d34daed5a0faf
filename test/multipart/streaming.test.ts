import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { BadRequestError } from '../../shared/errors';
import { readMultipart } from '../../shared/multipart/multipartReader';
import { chunksOf, latin1, readBody, rejection, sourceOf } from './support';

const HEAD = '--b\r\nContent-Type: application/dicom\r\n\r\n';
const MiB = 1024 * 1024;

test('a 200 MB part streams with backpressure: the source waits for a slow consumer', async (t) => {
  const chunkSize = 64 * 1024;
  const total = 200 * MiB;
  let produced = 0;
  let consumed = 0;
  let mostInFlight = 0;
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sent = createHash('sha256');
  const received = createHash('sha256');
  function* body(): Generator<Buffer> {
    yield latin1(HEAD);
    for (let n = 0; n * chunkSize < total; n += 1) {
      // Distinct content per chunk, so lost, repeated or reordered chunks show in the hash.
      const chunk = Buffer.alloc(chunkSize, n & 0xff);
      chunk.writeUInt32BE(n, 0);
      sent.update(chunk);
      produced += chunk.length;
      // Measured as the source produces: how far it has run ahead of the consumer.
      mostInFlight = Math.max(mostInFlight, produced - consumed);
      if (n % 256 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      yield chunk;
    }
    yield latin1('\r\n--b--\r\n');
  }

  let reads = 0;
  for await (const part of readMultipart(Readable.from(body()), 'b', { maxParts: 1 })) {
    for await (const chunk of part.body as AsyncIterable<Buffer>) {
      received.update(chunk);
      consumed += chunk.length;
      reads += 1;
      // A slow consumer: a turn of the event loop per chunk, a real pause now and then.
      await (reads % 256 === 0 ? sleep(2) : nextTurn());
    }
  }
  t.diagnostic(`most bytes in flight ${mostInFlight}, RSS growth ${Math.round((rssPeak - rssBefore) / MiB)} MiB`);
  assert.equal(consumed, total);
  assert.equal(received.digest('hex'), sent.digest('hex'));
  // Produced but not yet consumed: the source's own buffer (16 chunks), one chunk in the reader
  // and the part body's buffer. Without backpressure it would be most of the 200 MB.
  assert.ok(mostInFlight <= 20 * chunkSize, `${mostInFlight} bytes in flight`);
  assert.ok(rssPeak - rssBefore < 100 * MiB, `RSS grew by ${Math.round((rssPeak - rssBefore) / MiB)} MiB`);
});

test('parts arrive while the body is still coming in', async () => {
  const source = new Readable({ read: () => undefined });
  source.push(latin1(`${HEAD}first bytes`));
  const parts = readMultipart(source, 'b', { maxParts: 5 });
  const first = await parts.next();
  assert.ok(!first.done);
  const reader = (first.value.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  assert.deepEqual((await reader.next()).value, latin1('first bytes'));

  source.push(latin1(' and more\r\n--b--\r\n'));
  source.push(null);
  assert.deepEqual((await reader.next()).value, latin1(' and more'));
  assert.equal((await reader.next()).done, true);
  assert.equal((await parts.next()).done, true);
});

test('a consumer may skip parts or stop reading one halfway; the next part is still exact', async () => {
  const files = [0, 1, 2, 3, 4].map((i) => Buffer.alloc(100_000 + i, 0x30 + i));
  const body = Buffer.concat([...files.flatMap((file) => [latin1(HEAD), file, latin1('\r\n')]), latin1('--b--\r\n')]);
  const read = new Map<number, Buffer>();
  const bodies: Readable[] = [];
  for await (const part of readMultipart(sourceOf(chunksOf(body, 1000)), 'b', { maxParts: 5 })) {
    bodies.push(part.body);
    if (part.index === 1 || part.index === 4) read.set(part.index, await readBody(part.body));
    if (part.index === 3) {
      for await (const chunk of part.body as AsyncIterable<Buffer>) {
        read.set(3, chunk);
        break;
      }
    }
  }
  assert.deepEqual(read.get(1), files[1]);
  assert.deepEqual(read.get(4), files[4]);
  assert.deepEqual(read.get(3), files[3]?.subarray(0, read.get(3)?.length));
  assert.equal(bodies.length, 5);
  assert.ok(bodies[0]?.destroyed && bodies[2]?.destroyed, 'skipped bodies are destroyed');
  assert.ok(bodies[0]);
  const late = await rejection(readBody(bodies[0]));
  assert.equal((late as NodeJS.ErrnoException).code, 'ERR_STREAM_PREMATURE_CLOSE');
});

test('asking for the next part ends the current body: a reader still on it gets a premature close', async () => {
  const body = latin1(`${HEAD}${'x'.repeat(100_000)}\r\n${HEAD}second\r\n--b--`);
  const parts = readMultipart(sourceOf(chunksOf(body, 4096)), 'b', { maxParts: 5 });
  const first = await parts.next();
  assert.ok(!first.done);
  const stillReading = readBody(first.value.body);
  const second = await parts.next();
  assert.ok(!second.done);
  assert.equal(((await rejection(stillReading)) as NodeJS.ErrnoException).code, 'ERR_STREAM_PREMATURE_CLOSE');
  assert.deepEqual(await readBody(second.value.body), latin1('second'));
});

test('leaving the loop early destroys the source and the current part body', async () => {
  const source = new Readable({ read: () => undefined });
  source.push(latin1(`${HEAD}the client is still sending`));
  let body: Readable | undefined;
  for await (const part of readMultipart(source, 'b', { maxParts: 5 })) {
    body = part.body;
    break;
  }
  assert.ok(source.destroyed);
  assert.ok(body?.destroyed);
});

test('10,000 empty parts: read quickly, one at a time, and one more is refused', async (t) => {
  const body = latin1(`${`${HEAD}\r\n`.repeat(10_000)}--b--\r\n`);
  const started = performance.now();
  let count = 0;
  for await (const part of readMultipart(sourceOf(chunksOf(body, 65536)), 'b', { maxParts: 10_000 })) {
    // Half are read, half skipped: both paths are exercised at volume.
    if (part.index % 2 === 0) assert.equal((await readBody(part.body)).length, 0);
    count += 1;
  }
  const elapsed = performance.now() - started;
  t.diagnostic(`10,000 parts in ${Math.round(elapsed)} ms`);
  assert.equal(count, 10_000);
  assert.ok(elapsed < 5000, `${Math.round(elapsed)} ms`);

  const error = await rejection(
    (async () => {
      for await (const part of readMultipart(sourceOf([body]), 'b', { maxParts: 9_999 })) part.body.resume();
    })(),
  );
  assert.ok(error instanceof BadRequestError);
  assert.equal(error.code, 'MultipartTooManyParts');
});

test('no parts at all: a closing delimiter alone, with or without preamble and epilogue', async () => {
  for (const body of ['--b--', '--b--\r\n', '\r\n--b--\r\n', 'preamble\r\n--b--  \r\nepilogue']) {
    let count = 0;
    for await (const part of readMultipart(sourceOf([latin1(body)]), 'b', { maxParts: 5 })) {
      part.body.resume();
      count += 1;
    }
    assert.equal(count, 0, body);
  }
});
