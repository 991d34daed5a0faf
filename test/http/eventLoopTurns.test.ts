// Buffered bodies reach the parser in slices, with event-loop turns between them (issue 13).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withEventLoopTurns } from '../../shared/http/eventLoopTurns';

async function* buffered(chunks: Buffer[]): AsyncGenerator<Buffer> {
  // Already in memory: each next() resolves through promises alone, without an event-loop turn.
  for (const chunk of chunks) yield await Promise.resolve(chunk);
}

test('large chunks are handed on in slices, same bytes, no copies', async () => {
  const big = Buffer.alloc(200 * 1024, 3);
  const slices: Buffer[] = [];
  for await (const slice of withEventLoopTurns(buffered([big, Buffer.from('end')]), 64 * 1024)) slices.push(slice);
  assert.deepEqual(
    slices.map((s) => s.length),
    [65536, 65536, 65536, 8192, 3],
  );
  assert.ok(Buffer.concat(slices).equals(Buffer.concat([big, Buffer.from('end')])));
  assert.equal(slices[0]?.buffer, big.buffer, 'a view, not a copy');
});

test('a busy consumer of buffered chunks lets other work run between them', async () => {
  const chunks = Array.from({ length: 5 }, () => Buffer.alloc(10));
  let turns = 0;
  const seen: number[] = [];
  const counter = setInterval(() => (turns += 1), 0);
  try {
    // turnEveryMs 0: every slice counts as long work.
    for await (const chunk of withEventLoopTurns(buffered(chunks), 1024, 0)) {
      seen.push(turns);
      const until = Date.now() + 2;
      while (Date.now() < until && chunk.length > 0) {
        // busy, as a parser decoding values is
      }
    }
  } finally {
    clearInterval(counter);
  }
  // Without the turns the timer could not fire until the whole body was consumed.
  assert.ok((seen[seen.length - 1] ?? 0) > 0, `timer fired ${JSON.stringify(seen)} times while consuming`);
  const plain: number[] = [];
  turns = 0;
  const again = setInterval(() => (turns += 1), 0);
  for await (const chunk of buffered(chunks)) {
    plain.push(turns + chunk.length * 0);
    const until = Date.now() + 2;
    while (Date.now() < until) {
      // busy
    }
  }
  clearInterval(again);
  assert.deepEqual(plain, [0, 0, 0, 0, 0], 'the control: buffered chunks alone give no turn');
});
