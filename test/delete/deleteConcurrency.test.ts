// A store racing a delete of the same instance: the store answers 45070 or 45071 (or succeeds
// after the delete), never resurrects the deleted version, never leaves a half-deleted instance.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backgroundDeletesSettled } from '../../shared/delete/backgroundDeletes';
import { makeDicom } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { firstValue, sequence, stowFiles } from '../support/stowClient';
import { httpDelete, readWholeFeed, storeInstance } from '../changefeed/feedClient';

const FAILED_SOP_SEQUENCE = '00081198';
const FAILURE_REASON = '00081197';
const ROUNDS = 8;

describe('delete racing a store', () => {
  const ctx = useTestServer();

  test('every race ends in a consistent instance and a feed that tells its story', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const stored = await storeInstance(ctx.baseUrl);
      const file = makeDicom({
        studyInstanceUid: stored.study,
        seriesInstanceUid: stored.series,
        sopInstanceUid: stored.sop,
      });
      const [deleted, restored] = await Promise.all([
        httpDelete(`${ctx.baseUrl}/v2/studies/${stored.study}/series/${stored.series}/instances/${stored.sop}`),
        stowFiles(`${ctx.baseUrl}/v2/studies`, [file]),
      ]);
      assert.equal(deleted.status, 204);
      if (restored.status === 409) {
        const reason = firstValue(sequence(restored.json, FAILED_SOP_SEQUENCE)[0], FAILURE_REASON);
        assert.ok(reason === 45070 || reason === 45071, `unexpected failure reason ${String(reason)}`);
      } else {
        assert.equal(restored.status, 200);
      }
      await backgroundDeletesSettled();

      const rows = await ctx.probe.entities('Instances', `PartitionKey eq '${stored.study}'`);
      const blobs = await ctx.probe.blobNames(`${stored.study}/`);
      const actions = (await readWholeFeed(ctx.baseUrl))
        .filter((e) => e.SopInstanceUid === stored.sop)
        .map((e) => e.Action);
      if (restored.status === 200) {
        // The store came after the delete: a new version, visible, with its own blobs only.
        assert.deepEqual(actions, ['create', 'delete', 'create']);
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.State, 'created');
        const version = String(rows[0]?.Version);
        assert.ok(blobs.length > 0 && blobs.every((name) => name.includes(`/${version}/`)));
      } else {
        assert.deepEqual(actions, ['create', 'delete']);
        assert.deepEqual(rows, []);
        assert.deepEqual(blobs, []);
      }
    }
  });
});
