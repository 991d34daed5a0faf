import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { BadRequestError, PayloadTooLargeError, RequestAbortedError } from '../../shared/errors';
import { readMultipart, type MultipartLimits } from '../../shared/multipart/multipartReader';
import { latin1, readAll, readBody, rejection, sourceOf } from './support';

const HEAD = '--b\r\nContent-Type: application/dicom\r\n\r\n';

/** The error reading `body` (as one chunk) fails with; also checks its type and code. */
async function framingError(
  body: Buffer | string,
  code: string,
  limits: MultipartLimits = { maxParts: 100 },
): Promise<BadRequestError> {
  const error = await rejection(readAll(sourceOf([typeof body === 'string' ? latin1(body) : body]), 'b', limits));
  assert.ok(error instanceof BadRequestError, String(error));
  assert.equal(error.code, code, error.message);
  assert.equal(error.status, 400);
  return error;
}

/** A source that is never ended: data is pushed by the test. */
function openSource(...chunks: string[]): Readable {
  const source = new Readable({ read: () => undefined });
  for (const chunk of chunks) source.push(latin1(chunk));
  return source;
}

test('no opening boundary: BadRequestError naming the boundary', async () => {
  const error = await framingError(
    'just a DICOM file, no framing\r\n--c\r\n\r\nx\r\n--c--',
    'MultipartBoundaryNotFound',
  );
  assert.match(error.message, /no boundary line "--b"/);
  await framingError('', 'MultipartBoundaryNotFound');
});

test('a boundary that does not match fails within the preamble limit, not after the whole body', async () => {
  let pulled = 0;
  const source = Readable.from(
    (function* () {
      for (let i = 0; i < 1000; i += 1) {
        pulled += 16384;
        yield Buffer.alloc(16384, 0x41);
      }
    })(),
  );
  const error = await rejection(readAll(source, 'b', { maxParts: 10, maxPreambleBytes: 65536 }));
  assert.ok(error instanceof BadRequestError);
  assert.equal(error.code, 'MultipartBoundaryNotFound');
  assert.match(error.message, /first 65536 bytes/);
  assert.ok(pulled < 65536 + 20 * 16384, `pulled ${pulled} bytes`);
  assert.ok(source.destroyed);
});

test('a body that stops before its closing delimiter: RequestAbortedError, wherever it stops', async () => {
  for (const body of [
    '--b',
    '--b\r',
    '--b\r\n',
    '--b\r\nContent-Type: appl',
    `${HEAD}`,
    `${HEAD}some bytes`,
    `${HEAD}some bytes\r\n`,
    `${HEAD}some bytes\r\n--b`,
    `${HEAD}x\r\n--b\r\n${HEAD.slice(5)}y`,
    `${HEAD}x\r\n--b-`,
  ]) {
    const error = await rejection(readAll(sourceOf([latin1(body)]), 'b'));
    assert.ok(error instanceof RequestAbortedError, `${JSON.stringify(body)}: ${String(error)}`);
    assert.ok(error instanceof BadRequestError);
    assert.equal(error.message, 'The multipart body ended before its closing boundary.');
  }
});

test('a truncated body fails the part being read and the generator with the same error, and the source is destroyed', async () => {
  const source = sourceOf([latin1(HEAD), Buffer.alloc(100_000, 1)]);
  const parts = readMultipart(source, 'b', { maxParts: 10 });
  const first = await parts.next();
  assert.ok(!first.done);
  const bodyError = await rejection(readBody(first.value.body));
  assert.ok(bodyError instanceof RequestAbortedError);
  assert.equal(await rejection(parts.next()), bodyError);
  assert.ok(source.destroyed);
});

test('a header block over the limit: BadRequestError, and the rest of the body is not read', async () => {
  const error = await framingError(
    `--b\r\nX-Filler: ${'a'.repeat(100_000)}\r\n\r\nabc\r\n--b--\r\n`,
    'MultipartHeaderTooLarge',
  );
  assert.match(error.message, /part 1 .* larger than 16384 bytes/);

  const source = openSource(`--b\r\nX-Filler: ${'a'.repeat(20_000)}`);
  const failure = await rejection(readAll(source, 'b'));
  assert.ok(failure instanceof BadRequestError && failure.code === 'MultipartHeaderTooLarge');
  assert.ok(source.destroyed, 'an endless source is destroyed');
});

test('the header limit counts the block with its empty line, to the byte', async () => {
  const block = 'Content-Type: application/dicom\r\nX-Padding: 1234567890\r\n\r\n';
  const body = `--b\r\n${block}data\r\n--b--`;
  const parts = await readAll(sourceOf([latin1(body)]), 'b', { maxParts: 1, maxHeaderBytes: block.length });
  assert.deepEqual(parts[0]?.body, latin1('data'));
  await framingError(body, 'MultipartHeaderTooLarge', { maxParts: 1, maxHeaderBytes: block.length - 1 });
});

test('one part more than maxParts: BadRequestError after the allowed parts were read', async () => {
  const body = `${HEAD}1\r\n${HEAD}2\r\n--b\r\n\r\n3\r\n--b--`;
  assert.equal((await readAll(sourceOf([latin1(body)]), 'b', { maxParts: 3 })).length, 3);
  const seen: number[] = [];
  const error = await rejection(
    (async () => {
      for await (const part of readMultipart(sourceOf([latin1(body)]), 'b', { maxParts: 2 })) {
        seen.push(part.index);
        await readBody(part.body);
      }
    })(),
  );
  assert.ok(error instanceof BadRequestError);
  assert.equal(error.code, 'MultipartTooManyParts');
  assert.equal(error.message, 'The multipart body has more than 2 parts.');
  assert.deepEqual(seen, [0, 1]);
});

test('invalid header lines: BadRequestError, including a file sent right after the boundary line', async () => {
  for (const headers of [
    'no colon here\r\n',
    ': no name\r\n',
    'Content Type: application/dicom\r\n',
    ' folded: before any header\r\n',
    'Content-Type: application/dicom\r\nX-Bad: a\x00b\r\n',
  ]) {
    const error = await framingError(`--b\r\n${headers}\r\ndata\r\n--b--`, 'MultipartInvalidHeader');
    assert.match(error.message, /^Part 1 of the multipart body has an invalid header line/);
  }
  const dicomWithoutHeaders = Buffer.concat([
    latin1('--b\r\n'),
    Buffer.alloc(128),
    latin1('DICM\x02\x00\x00\x00UL\x04\x00\n\n'),
  ]);
  await framingError(Buffer.concat([dicomWithoutHeaders, latin1('\r\n--b--')]), 'MultipartInvalidHeader');
});

test('a boundary line followed by anything but "--", padding or a line break: BadRequestError', async () => {
  for (const body of [
    `--bX\r\n\r\n\r\n--b--`,
    `--b-x\r\n`,
    `--b \tx\r\n`,
    `--b\rx`,
    `--b\r\n--b--`,
    `${HEAD}1\r\n--b --\r\n`,
  ]) {
    await framingError(body, 'MultipartInvalidBoundaryLine');
  }
});

test('a source that fails: RequestAbortedError with the cause; our own errors (413 upstream) pass through', async () => {
  const broken = new Readable({ read: () => undefined });
  broken.push(latin1(`${HEAD}partial`));
  setImmediate(() => broken.destroy(new Error('socket hang up')));
  const error = await rejection(readAll(broken, 'b'));
  assert.ok(error instanceof RequestAbortedError);
  assert.equal((error.cause as Error).message, 'socket hang up');

  const limited = new Readable({ read: () => undefined });
  limited.push(latin1(`${HEAD}partial`));
  const tooLarge = new PayloadTooLargeError('The request is larger than the limit of 10 bytes.');
  setImmediate(() => limited.destroy(tooLarge));
  assert.equal(await rejection(readAll(limited, 'b')), tooLarge);
});

test('an invalid boundary is refused before anything is read, and the source is released', async () => {
  for (const boundary of ['', 'x'.repeat(257), 'ends with space ', 'line\nbreak', 'caf\u00e9']) {
    const source = openSource('--x\r\n');
    const error = await rejection(readAll(source, boundary));
    assert.ok(error instanceof BadRequestError);
    assert.equal(error.code, 'MultipartBoundaryInvalid');
    assert.ok(source.destroyed);
  }
  // Orthanc's DICOMweb client sends two UUIDs joined by '-' (73 characters), over RFC 2046's 70.
  const orthanc = `${randomUUID()}-${randomUUID()}`;
  for (const boundary of [orthanc, 'x'.repeat(256)]) {
    const parts = await readAll(sourceOf([latin1(`--${boundary}\r\n\r\nok\r\n--${boundary}--`)]), boundary);
    assert.deepEqual(parts[0]?.body, latin1('ok'));
  }
});

test('limits that are not non-negative integers are a programming error, not a 400', async () => {
  for (const limits of [{ maxParts: Number.NaN }, { maxParts: 5, maxHeaderBytes: -1 }, { maxParts: 1.5 }]) {
    const error = await rejection(readAll(sourceOf([latin1('--b--')]), 'b', limits));
    assert.ok(error instanceof RangeError, String(error));
  }
});
