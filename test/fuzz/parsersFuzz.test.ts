// Property-based fuzzing of the two parsers every upload goes through (issue 13): whatever bytes
// arrive, in whatever chunks, the result is a parse or the parser's own typed error, never
// another exception (which the server would answer with a 500).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DicomParseError } from '../../shared/dicom/dicomParseError';
import { Part10StreamParser } from '../../shared/dicom/part10StreamParser';
import { DicomWebError } from '../../shared/errors';
import { makeDicom } from '../support/dicomFactory';
import { chunksOf, latin1, readAll, sourceOf } from '../multipart/support';

/** Enough to explore every parser state on small inputs, quick enough for every npm test. */
const RUNS = 5000;

const BASE_FILE = makeDicom({
  pixelDataBytes: 2048,
  elements: [{ tag: '00091010', vr: 'SQ', value: Buffer.alloc(0) }],
});

/** A valid file with bytes overwritten, then cut short or extended with noise. */
const mutatedFile = fc
  .record({
    flips: fc.array(fc.record({ at: fc.nat(BASE_FILE.length - 1), byte: fc.integer({ min: 0, max: 255 }) }), {
      maxLength: 24,
    }),
    cut: fc.nat(BASE_FILE.length),
    noise: fc.uint8Array({ maxLength: 256 }),
  })
  .map(({ flips, cut, noise }) => {
    const file = Buffer.from(BASE_FILE);
    for (const { at, byte } of flips) file[at] = byte;
    return Buffer.concat([file.subarray(0, cut), Buffer.from(noise)]);
  });

function parseInChunks(file: Buffer, chunk: number): void {
  const parser = new Part10StreamParser();
  for (const part of chunksOf(file, chunk)) parser.write(part);
  parser.end();
}

test('Part 10 parser: mutated and truncated files parse or fail with DicomParseError', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        mutatedFile,
        fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
      ),
      fc.integer({ min: 1, max: 700 }),
      (file, chunk) => {
        try {
          parseInChunks(file, chunk);
        } catch (error) {
          if (!(error instanceof DicomParseError)) throw error;
        }
      },
    ),
    { numRuns: RUNS, seed: 20261206 },
  );
});

const BOUNDARY = 'fuzz-boundary';

/** Multipart framing around random parts, with random damage and random chunking. */
const multipartBody = fc
  .record({
    parts: fc.array(
      fc.record({
        headers: fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }),
        body: fc.uint8Array({ maxLength: 300 }),
      }),
      { maxLength: 4 },
    ),
    close: fc.boolean(),
    flips: fc.array(fc.record({ at: fc.nat(2000), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }),
  })
  .map(({ parts, close, flips }) => {
    const pieces: Buffer[] = [];
    for (const part of parts) {
      pieces.push(latin1(`--${BOUNDARY}\r\n${part.headers.map((h) => `${h}\r\n`).join('')}\r\n`));
      pieces.push(Buffer.from(part.body), latin1('\r\n'));
    }
    if (close) pieces.push(latin1(`--${BOUNDARY}--`));
    const body = Buffer.concat(pieces);
    for (const { at, byte } of flips) if (at < body.length) body[at] = byte;
    return body;
  });

test('multipart reader: damaged bodies are read or refused with a DicomWebError', async () => {
  await fc.assert(
    fc.asyncProperty(multipartBody, fc.integer({ min: 1, max: 64 }), async (body, chunk) => {
      try {
        await readAll(sourceOf(chunksOf(body, chunk)), BOUNDARY, { maxParts: 3, maxHeaderBytes: 256 });
      } catch (error) {
        if (!(error instanceof DicomWebError)) throw error;
      }
    }),
    { numRuns: RUNS, seed: 20261206 },
  );
});

test('the fuzz inputs reach past the first bytes (the generators are not degenerate)', () => {
  const sample = fc.sample(mutatedFile, { numRuns: 50, seed: 1 });
  assert.ok(sample.some((file) => file.length > 1000));
});
