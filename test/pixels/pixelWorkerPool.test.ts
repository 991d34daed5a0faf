// The pixel worker pool: tasks beyond the workers and the bounded queue are refused at once with
// 503, the rest are all served; a codec failure is a 406 and the pool goes on serving.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotAcceptableError, ServiceUnavailableError } from '../../shared/errors';
import { MAX_QUEUED_PIXEL_TASKS, PIXEL_WORKERS, runPixelTask } from '../../shared/pixels/pixelWorkerPool';
import type { PixelTask } from '../../shared/pixels/pixelTasks';
import { readFixture } from '../support/fixtures';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';

test('a burst past the workers and the queue: the surplus gets 503, the rest are served', async () => {
  const file = new Uint8Array(readFixture('pixels/ct-signed-rle.dcm'));
  const task: PixelTask = { kind: 'transcodeFile', file, target: EXPLICIT_LE };
  const surplus = 5;
  const results = await Promise.allSettled(
    Array.from({ length: PIXEL_WORKERS + MAX_QUEUED_PIXEL_TASKS + surplus }, () => runPixelTask(task)),
  );
  const refused = results.filter((r) => r.status === 'rejected');
  assert.equal(refused.length, surplus);
  for (const r of refused) assert.ok(r.reason instanceof ServiceUnavailableError, String(r.reason));
  const served = results.filter((r) => r.status === 'fulfilled');
  assert.equal(served.length, PIXEL_WORKERS + MAX_QUEUED_PIXEL_TASKS);
});

test('a file the codecs cannot read is a 406; the next task is served', async () => {
  const broken: PixelTask = { kind: 'transcodeFile', file: new Uint8Array(400), target: EXPLICIT_LE };
  await assert.rejects(runPixelTask(broken), (error: unknown) => error instanceof NotAcceptableError);
  const file = new Uint8Array(readFixture('pixels/ct-signed-rle.dcm'));
  const converted = await runPixelTask({ kind: 'transcodeFile', file, target: EXPLICIT_LE });
  assert.ok(converted.length > 8000);
});
