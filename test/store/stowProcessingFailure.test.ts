// A failure of ours (here: the blob container vanished) fails the instance with 272, leaves it
// invisible and unlocked, and the same store succeeds once storage is back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { firstValue, sequence, stowFiles } from '../support/stowClient';

describe('STOW-RS when storage fails mid-store', () => {
  const ctx = useTestServer();

  test('272 while the container is missing; 200 for the same file once it is back', async () => {
    const study = newUid();
    const file = makeDicom({ studyInstanceUid: study, pixelDataBytes: 32 * 1024 });
    await ctx.probe.container.delete();

    const failed = await stowFiles(`${ctx.baseUrl}/v2/studies`, [file]);
    assert.equal(failed.status, 409, failed.text);
    const item = sequence(failed.json, Tag.FailedSOPSequence)[0];
    assert.equal(firstValue(item, Tag.FailureReason), 272);
    assert.deepEqual(
      await ctx.probe.entities('Instances', `PartitionKey eq '${study}'`),
      [],
      'nothing visible or locked',
    );

    // Azurite refuses to recreate a container for a moment after deleting it.
    for (let attempt = 0; ; attempt += 1) {
      try {
        await ctx.probe.container.create();
        break;
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const retry = await stowFiles(`${ctx.baseUrl}/v2/studies`, [file]);
    assert.equal(retry.status, 200, retry.text);
  });
});
