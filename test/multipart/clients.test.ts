import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import { test } from 'node:test';
import { assertClientParts, boundaryOf, CLIENT_BODIES } from './clientBodies';
import { readAll, sourceOf } from './support';

for (const client of CLIENT_BODIES) {
  test(`${client.name}: every part, byte for byte`, async () => {
    const parts = await readAll(sourceOf([client.body]), boundaryOf(client.contentType));
    assertClientParts(parts, client);
  });
}

test('each boundary is read from its Content-Type as the client meant it', () => {
  assert.deepEqual(
    CLIENT_BODIES.map((client) => boundaryOf(client.contentType)),
    [
      '------------------------ca4d85269616528d',
      '------------------------ce5557398eaff443',
      '0123abc',
      'a1b2c3d4e5',
      '8d4f1c2b9a7e4f0b8e6a5d3c2b1a0f9e',
      '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      '6a3c8e1f-1d2b-4c5a-9e8f-7a6b5c4d3e2f',
      '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
      'e1',
      'Upper_Case.b',
      'lf-only',
      'simple-boundary',
    ],
  );
});

test('a Readable.fromWeb body (Uint8Array chunks, as the Functions host gives) reads the same', async () => {
  for (const client of CLIENT_BODIES) {
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(client.body));
        controller.close();
      },
    });
    const parts = await readAll(Readable.fromWeb(web), boundaryOf(client.contentType));
    assertClientParts(parts, client);
  }
});
