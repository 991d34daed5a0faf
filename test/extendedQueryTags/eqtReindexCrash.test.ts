/**
 * A reindex survives SIGKILL: `npm start`'s server is killed twice mid-walk and started again on
 * the same Azurite; in the end every instance has exactly one value row and one index entry, the
 * invalid values are counted exactly once each (ready + disabled, as Azure), and QIDO finds them.
 * 2,000 instances here; `npm run bench:eqt` runs the same with 10,000.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { stopPersistentAzurite } from '../../host/persistentAzurite';
import { isolatedEnv } from '../support/startCrash';
import { ERROR_EVERY, reindexCrashRun, stopServer } from '../support/reindexCrash';

const START = path.resolve(__dirname, '..', '..', 'host', 'start.js');
const COUNT = 2000;

describe('reindex after SIGKILL', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let location = '';
  after(async () => {
    if (!location) return;
    await stopPersistentAzurite(path.join(location, 'azurite'));
    await rm(location, { recursive: true, force: true });
  });

  it('indexes every instance exactly once with the server killed twice mid-way', async (t) => {
    location = await mkdtemp(path.join(tmpdir(), 'eqt-crash-'));
    const outcome = await reindexCrashRun({
      start: START,
      env: isolatedEnv(path.join(location, 'azurite')),
      count: COUNT,
      killAt: [0.3, 0.6],
      log: (line) => t.diagnostic(line),
    });
    try {
      assert.equal(outcome.kills.length, 2);
      for (const kill of outcome.kills)
        assert.ok(kill.indexedBefore < COUNT, `killed after the end: ${kill.indexedBefore}`);
      for (let n = 1; n <= COUNT; n++) {
        assert.equal(outcome.indexEntriesPerInstance.get(n), 1, `index entries of instance ${n}`);
        assert.equal(outcome.valueRowsPerInstance.get(n), 1, `value rows of instance ${n}`);
      }
      assert.equal(outcome.indexEntriesPerInstance.size, COUNT);
      assert.equal(outcome.errorRows, COUNT / ERROR_EVERY);
      assert.deepEqual(
        {
          status: outcome.dateTag?.status,
          queryStatus: outcome.dateTag?.queryStatus,
          count: outcome.dateTag?.errors?.count,
        },
        { status: 'ready', queryStatus: 'disabled', count: COUNT / ERROR_EVERY },
      );
      assert.equal(outcome.sampleFound, outcome.sampleSize);
    } finally {
      await stopServer(outcome.server);
    }
  });
});
