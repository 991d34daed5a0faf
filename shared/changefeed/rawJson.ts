/**
 * Stored metadata JSON handed to a change-feed answer as the text it is, never parsed: parsing
 * a page's 16 MiB of metadata and serialising it again held the event loop for hundreds of
 * milliseconds (issue 13). The text is this app's own JSON.stringify output, read back whole.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * The JSON text of `value` in pieces: arrays one element at a time, and a RawJson value of an
 * object's property written as its text. A stream of these pieces lets the event loop run
 * between entries.
 */
export function* jsonPieces(value: unknown): Generator<string> {
  if (Array.isArray(value)) {
    yield '[';
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) yield ',';
      yield* jsonPieces(value[i]);
    }
    yield ']';
    return;
  }
  if (value instanceof RawJson) {
    yield value.text;
    return;
  }
  if (value !== null && typeof value === 'object') {
    const raw = Object.entries(value).filter((entry): entry is [string, RawJson] => entry[1] instanceof RawJson);
    if (raw.length > 0) {
      const plain = Object.fromEntries(Object.entries(value).filter(([, v]) => !(v instanceof RawJson)));
      const head = JSON.stringify(plain);
      yield head.slice(0, -1);
      let first = head === '{}';
      for (const [key, json] of raw) {
        yield `${first ? '' : ','}${JSON.stringify(key)}:`;
        yield json.text;
        first = false;
      }
      yield '}';
      return;
    }
  }
  yield JSON.stringify(value);
}
