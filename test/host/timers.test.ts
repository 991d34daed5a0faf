// Timer functions run on their NCRONTAB schedule through the worker, one run at a time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseSchedule } from '../../host/functionsHost/ncrontab';
import { startTimers } from '../../host/functionsHost/timerRunner';
import { probes } from './fixtureApp/probes';
import { startFixtureHost, type HostUnderTest } from './hostHarness';

describe('NCRONTAB schedules', () => {
  const next = (expression: string, after: string) => parseSchedule(expression).next(new Date(after)).toISOString();

  it('finds the next occurrence of each field kind', () => {
    assert.equal(next('0 */5 * * * *', '2026-12-06T12:03:10.500Z'), '2026-12-06T12:05:00.000Z');
    assert.equal(next('0 */5 * * * *', '2026-12-06T12:05:00.000Z'), '2026-12-06T12:10:00.000Z');
    assert.equal(next('*/1 * * * * *', '2026-12-06T12:03:10.200Z'), '2026-12-06T12:03:11.000Z');
    assert.equal(next('30 15 2 * * 1', '2026-12-06T12:00:00.000Z'), '2026-12-07T02:15:30.000Z'); // a Monday
    assert.equal(next('0 0 9-17/4 1,15 * *', '2026-12-06T00:00:00.000Z'), '2026-12-15T09:00:00.000Z');
  });

  it('refuses expressions the host would refuse', () => {
    assert.throws(() => parseSchedule('*/5 * * * *'), /six-field/);
    assert.throws(() => parseSchedule('0 61 * * * *'), /not a valid field/);
    assert.throws(() => parseSchedule('0 */0 * * * *'), /not a valid field/);
  });
});

describe('timer functions on the local host', () => {
  let server: HostUnderTest;
  before(async () => {
    server = await startFixtureHost();
  });
  after(() => server.close());

  it('invokes a timer through the worker on its schedule, never two runs at once', async () => {
    assert.deepEqual(
      server.host.index.timers.map((t) => t.name),
      ['tick'],
    );
    const stop = startTimers(server.host.worker, server.host.index.timers, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 4200));
    stop();
    // Every second, each run taking 1.5 s: runs start at most every other second.
    assert.ok(probes.ticks >= 2 && probes.ticks <= 3, `${probes.ticks} runs`);
    assert.equal(probes.maxActiveTicks, 1);
  });
});
