// Streaming order and cancellation of multipart parts, with blobs faked to count what is opened and cancelled.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OpenedBlob } from '../../shared/retrieve/blobReads';
import { DOWNLOADS_IN_FLIGHT, partsWithLookahead } from '../../shared/retrieve/lookahead';
import { multipartBody } from '../../shared/retrieve/multipartWriter';

interface FakeBlobs {
  readonly opened: number[];
  readonly cancelled: Set<number>;
  readonly finished: Set<number>;
  open(index: number): OpenedBlob;
}

function fakeBlobs(): FakeBlobs {
  const opened: number[] = [];
  const cancelled = new Set<number>();
  const finished = new Set<number>();
  return {
    opened,
    cancelled,
    finished,
    open(index) {
      opened.push(index);
      return {
        async *chunks() {
          for (let i = 0; i < 3; i += 1) {
            await Promise.resolve();
            yield Buffer.from(`blob ${index} chunk ${i};`);
          }
          finished.add(index);
        },
        cancel: () => cancelled.add(index),
      };
    },
  };
}

function body(blobs: FakeBlobs, count: number): AsyncGenerator<Buffer> {
  const items = Array.from({ length: count }, (_, i) => i);
  return multipartBody(
    partsWithLookahead(
      items,
      (i) => blobs.open(i),
      (_, blob) => ({ contentType: 'application/dicom', body: blob.chunks() }),
    ),
    'b',
  );
}

describe('multipart parts with lookahead', () => {
  test('the first bytes leave with at most DOWNLOADS_IN_FLIGHT blobs opened', async () => {
    const blobs = fakeBlobs();
    const stream = body(blobs, 100);
    const first = await stream.next();
    if (first.done === true) assert.fail('the body ended before its first part');
    assert.match(first.value.toString(), /^--b\r\nContent-Type: application\/dicom/);
    await stream.next();
    assert.ok(blobs.opened.length <= DOWNLOADS_IN_FLIGHT, `${blobs.opened.length} opened`);
    await stream.return(undefined);
  });

  test('stopping mid-stream (client gone) cancels every opened download and opens no more', async () => {
    const blobs = fakeBlobs();
    const stream = body(blobs, 100);
    for (let i = 0; i < 6; i += 1) await stream.next();
    await stream.return(undefined);
    const openedAtStop = blobs.opened.length;
    assert.ok(openedAtStop < 100);
    for (const index of blobs.opened) {
      assert.ok(blobs.cancelled.has(index) || blobs.finished.has(index), `blob ${index} left open`);
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(blobs.opened.length, openedAtStop);
  });

  test('all parts in order, then the close delimiter', async () => {
    const blobs = fakeBlobs();
    const chunks: Buffer[] = [];
    for await (const chunk of body(blobs, 5)) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString();
    assert.deepEqual(
      [...text.matchAll(/blob (\d) chunk 0/g)].map((m) => m[1]),
      ['0', '1', '2', '3', '4'],
    );
    assert.ok(text.endsWith('--b--\r\n'));
  });
});
