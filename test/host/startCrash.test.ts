/**
 * `npm start` loses nothing acknowledged when the server, or its whole process group, is killed
 * with SIGKILL mid-stream, and comes up again on the same data (docs/consistency.md, "npm start
 * and a crash"): once it reports ready, retrieve, search and the change feed agree on every
 * instance that was sent, and a re-store of each instance in flight at the kill succeeds within
 * 30 s ("Recovery at start-up"). Its Azurite runs on a temporary folder and free ports. The lease
 * is the shortest allowed (10 s) to keep the wait for interrupted attempts short; bench/startCrash.ts
 * runs the same rounds with the default.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stopPersistentAzurite } from '../../host/persistentAzurite';
import { isAlive } from '../../host/processAlive';
import {
  crashRound,
  isolatedEnv,
  killServer,
  startServer,
  stopServer,
  storeInstances,
  verify,
  type KillTarget,
} from '../support/startCrash';

// dist/test/host/ -> dist/host/start.js
const START = path.resolve(__dirname, '..', '..', 'host', 'start.js');

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm start after a SIGKILL', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let location: string;
  before(async () => {
    location = await mkdtemp(path.join(tmpdir(), 'start-crash-'));
  });
  after(async () => {
    for (const folder of ['azurite', 'leftover']) await stopPersistentAzurite(path.join(location, folder));
    await rm(location, { recursive: true, force: true });
  });

  const rounds = [
    { kill: 'server', killAfterAcks: 40 },
    { kill: 'group', killAfterAcks: 25 },
  ] as const satisfies readonly { kill: KillTarget; killAfterAcks: number }[];
  for (const { kill, killAfterAcks } of rounds) {
    it(`keeps every acknowledged instance and repairs the rest when the ${kill === 'server' ? 'server process' : 'process group'} is killed`, async (t) => {
      const env = { ...isolatedEnv(path.join(location, 'azurite')), DICOM_STORE_LEASE_SECONDS: '10' };
      const round = await crashRound({ start: START, env, kill, concurrency: 8, killAfterAcks });
      t.diagnostic(
        `kill of the ${kill}: ${round.acknowledged} acknowledged, ${round.unacknowledged} in flight; ` +
          `lost ${round.lostRetrieve.length} to retrieve, ${round.lostFeed.length} to the change feed; ` +
          `${round.disagreeing.length} disagreeing; re-stores answered 200 after ${round.restoreMs.join(', ')} ms; ` +
          (round.recoveryLine || 'no start-up recovery line'),
      );
      try {
        assert.ok(round.acknowledged >= killAfterAcks);
        assert.ok(round.unacknowledged > 0, 'stores were in flight at the kill');
        assert.match(round.storageLine, /already running, reused/);
        assert.deepEqual(round.lostRetrieve, []);
        assert.deepEqual(round.lostFeed, []);
        assert.deepEqual(round.disagreeing, [], 'retrieve, search and the change feed agree on every instance sent');
        assert.deepEqual(round.restoreFailures, [], 'a re-store of every unacknowledged instance succeeds in 30 s');
        assert.equal(round.restoreMs.length, round.unacknowledged);
        assert.deepEqual(round.restoredDisagreeing, []);
      } catch (error) {
        killServer(round.restarted, 'group'); // a failed round must not leave its server running
        throw error;
      }

      // Ctrl-C's path: the server stops Azurite, which saves; a fresh Azurite reads it all back.
      assert.equal(await stopServer(round.restarted), 0);
      const again = await startServer(START, env);
      try {
        assert.match(again.output.join('\n'), /Azurite \(pid \d+, started\)/);
        assert.deepEqual(await verify(again.baseUrl, round.stored), { lostRetrieve: [], lostFeed: [] });
      } finally {
        assert.equal(await stopServer(again), 0);
      }
    });
  }

  it('replaces a leftover Azurite on its folder that it cannot reuse, keeping the data', async () => {
    const env = isolatedEnv(path.join(location, 'leftover'));
    const first = await startServer(START, env);
    const stored = await storeInstances(first.baseUrl, 5);
    const leftover = Number(/Azurite \(pid (\d+)/.exec(first.output.join('\n'))?.[1]);
    const gone = new Promise((resolve) => first.group.once('exit', resolve));
    killServer(first, 'group');
    await gone;
    assert.ok(isAlive(leftover), 'Azurite outlives the process group');

    // Other ports asked for: the leftover is stopped (it saves) and a new one starts on the folder.
    const ports = [await freePort(), await freePort(), await freePort()].join(',');
    const second = await startServer(START, { ...env, DICOM_AZURITE_PORTS: ports });
    try {
      const output = second.output.join('\n');
      assert.match(output, new RegExp(`Azurite \\(pid ${leftover}\\) .* was stopped \\(its data saved\\)`));
      assert.match(output, /Azurite \(pid \d+, started\) on ports /);
      assert.equal(isAlive(leftover), false);
      assert.deepEqual(await verify(second.baseUrl, stored), { lostRetrieve: [], lostFeed: [] });
    } finally {
      assert.equal(await stopServer(second), 0);
    }
  });
});
