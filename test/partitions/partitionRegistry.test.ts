// The partition registry under concurrent creation, as several processes would create: one name
// created many times at once gets one key; different names at once get different keys.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { listPartitions, registerName } from '../../shared/partitions/partitionRegistry';
import { useTestServer } from '../support/serverFixture';

describe('partition registry', () => {
  useTestServer({ env: { DICOM_DATA_PARTITIONS_ENABLED: 'true' } });

  test('concurrent creations of one name converge on one key; of different names, on different keys', async () => {
    const same = await Promise.all(Array.from({ length: 8 }, () => registerName('Same')));
    assert.equal(new Set(same.map((row) => Number(row.Key))).size, 1);
    const different = await Promise.all(Array.from({ length: 8 }, (_, i) => registerName(`Other${i}`)));
    const keys = different.map((row) => Number(row.Key));
    assert.equal(new Set([...keys, Number(same[0]?.Key)]).size, 9);
    const listed = await listPartitions();
    assert.deepEqual(
      listed.map((p) => p.key),
      [1, ...[...keys, Number(same[0]?.Key)].sort((a, b) => a - b)],
    );
    assert.deepEqual(
      listed.map((p) => p.key),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });
});
