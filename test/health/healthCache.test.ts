// Anonymous /health callers share one storage probe every few seconds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachedHealth } from '../../shared/health/healthCache';

test('concurrent and repeated calls within the window share one probe; later calls probe again', async () => {
  let clock = 0;
  let probes = 0;
  const health = cachedHealth(
    async () => {
      probes += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return `report ${probes}`;
    },
    5000,
    () => clock,
  );
  const answers = await Promise.all(Array.from({ length: 20 }, () => health(undefined)));
  assert.equal(probes, 1);
  assert.ok(answers.every((a) => a === 'report 1'));
  clock = 4999;
  assert.equal(await health(undefined), 'report 1');
  clock = 5000;
  assert.equal(await health(undefined), 'report 2');
  assert.equal(probes, 2);
});

test('a probe that throws is not reused', async () => {
  let calls = 0;
  const health = cachedHealth(() => {
    calls += 1;
    return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve('ok');
  });
  await assert.rejects(health(undefined), /boom/);
  assert.equal(await health(undefined), 'ok');
});
