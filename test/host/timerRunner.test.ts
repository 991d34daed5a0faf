// The local host runs timer functions at their interval, one run of a timer at a time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTimers } from '../../host/timerRunner';

test('a timer runs repeatedly, never overlapping itself, until stopped', async () => {
  let runs = 0;
  let active = 0;
  let maxActive = 0;
  const stop = startTimers(
    [
      {
        name: 'slowTimer',
        schedule: '*/1 * * * * *',
        localIntervalMs: 10,
        handler: async () => {
          runs += 1;
          active += 1;
          maxActive = Math.max(maxActive, active);
          await new Promise((resolve) => setTimeout(resolve, 35));
          active -= 1;
        },
      },
    ],
    { minLevel: 'none', write: () => undefined },
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  stop();
  const seen = runs;
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.ok(seen >= 3, `ran ${seen} times`);
  assert.equal(maxActive, 1);
  assert.ok(runs <= seen + 1, 'no new run starts after stop');
});
