import { test } from 'node:test';
import { assertClientParts, boundaryOf, CLIENT_BODIES } from './clientBodies';
import { chunksOf, readAll, seededRandom, sourceOf } from './support';

// The same parts whatever the chunking: delimiters, CRs held back and header blocks straddle chunks.
for (const client of CLIENT_BODIES) {
  const boundary = boundaryOf(client.contentType);

  test(`${client.name}: one byte at a time`, async () => {
    assertClientParts(await readAll(sourceOf(chunksOf(client.body, 1)), boundary), client);
  });

  test(`${client.name}: random chunk sizes`, async () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const random = seededRandom(seed);
      // Small chunks cut through every delimiter; larger ones hold several parts each.
      const largest = seed % 2 === 0 ? 8 : 4096;
      const chunks = chunksOf(client.body, () => 1 + Math.floor(random() * largest));
      assertClientParts(await readAll(sourceOf(chunks), boundary), client);
    }
  });
}

test('every split of a body into two chunks gives the same parts', async () => {
  for (const client of CLIENT_BODIES.filter((c) => c.body.length < 1000)) {
    const boundary = boundaryOf(client.contentType);
    for (let at = 1; at < client.body.length; at += 1) {
      const chunks = [client.body.subarray(0, at), client.body.subarray(at)];
      assertClientParts(await readAll(sourceOf(chunks), boundary), client);
    }
  }
});
