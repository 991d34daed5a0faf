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
import { damagedMultipart, mutatedFile } from '../support/hostileInputs';
import { chunksOf, readAll, sourceOf } from '../multipart/support';

/** Enough to explore every parser state on small inputs, quick enough for every npm test. */
const RUNS = 5000;

const BASE_FILE = makeDicom({
  pixelDataBytes: 2048,
  elements: [{ tag: '00091010', vr: 'SQ', value: Buffer.alloc(0) }],
});

const mutated = mutatedFile(BASE_FILE);

function parseInChunks(file: Buffer, chunk: number): void {
  const parser = new Part10StreamParser();
  for (const part of chunksOf(file, chunk)) parser.write(part);
  parser.end();
}

test('Part 10 parser: mutated and truncated files parse or fail with DicomParseError', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        mutated,
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

const multipartBody = damagedMultipart(BOUNDARY);

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
  const sample = fc.sample(mutated, { numRuns: 50, seed: 1 });
  assert.ok(sample.some((file) => file.length > 1000));
});
