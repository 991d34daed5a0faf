/** Shared by the parser tests: fixture locations and one-call parsing in given chunk sizes. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  Part10StreamParser,
  type ParsedInstance,
  type Part10StreamParserOptions,
} from '../../shared/dicom/part10StreamParser';
import { chunked } from './part10Builder';

/** test/fixtures (the tests run compiled, from dist/test/dicom/; fixtures are not copied there). */
export const FIXTURES = join(projectRoot(), 'test', 'fixtures');

function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

export function readFixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

/** Every .dcm fixture, as paths relative to test/fixtures (e.g. `tutorial/blue-circle.dcm`). */
export function fixtureNames(): string[] {
  const top = readdirSync(FIXTURES).filter((f) => f.endsWith('.dcm'));
  const tutorial = readdirSync(join(FIXTURES, 'tutorial'))
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => `tutorial/${f}`);
  return [...top, ...tutorial].sort();
}

/** Parses `file` fed in pieces of `sizes` (cycled); the whole file at once by default. */
export function parse(
  file: Buffer,
  sizes: readonly number[] = [file.length],
  options?: Part10StreamParserOptions,
): ParsedInstance {
  const parser = new Part10StreamParser(options);
  for (const chunk of chunked(file, sizes)) parser.write(chunk);
  return parser.end();
}

/** A parse result as plain JSON (what a metadata blob would hold). */
export function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
