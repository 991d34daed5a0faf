/**
 * Bulk update in data partitions (docs/bulk-update.md): a partition that does not exist is refused
 * (not created), and an update through one partition changes only that partition's instances, even
 * when another partition holds the same study UID.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { hostQueuesOptions } from '../../host/functionsHost/functionsHost';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { stowFiles } from '../support/stowClient';
import { APP_ROOT } from '../support/testServer';
import { settledOperation } from './bulkUpdateClient';

describe('bulk update in data partitions', () => {
  const server = useTestServer({
    env: { DICOM_DATA_PARTITIONS_ENABLED: 'true' },
    runQueueTriggers: true,
    queuesOptions: { ...hostQueuesOptions(APP_ROOT), maxPollingIntervalMs: 200 },
  });

  const update = (partition: string, study: string) =>
    fetch(`${server.baseUrl}/v2/partitions/${partition}/studies/$bulkUpdate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        studyInstanceUids: [study],
        changeDataset: { '00100020': { vr: 'LO', Value: ['PART-NEW'] } },
      }),
    });

  it('refuses a partition that does not exist, without creating it', async () => {
    const response = await update('Never.Created', newUid());
    assert.equal(response.status, 400);
    assert.match(await response.text(), /Specified PartitionName does not exist\./);
    const partitions = (await (await fetch(`${server.baseUrl}/v2/partitions`)).json()) as { partitionName: string }[];
    assert.ok(!partitions.some((p) => p.partitionName === 'Never.Created'));
  });

  it('changes only the instances of its own partition', async () => {
    const study = newUid();
    for (const partition of ['Part.One', 'Part.Two']) {
      const file = makeDicom({ studyInstanceUid: study, patientId: 'PART-OLD', pixelDataBytes: 1024 });
      const stored = await stowFiles(`${server.baseUrl}/v2/partitions/${partition}/studies`, [file]);
      assert.equal(stored.status, 200);
    }
    const started = await update('Part.One', study);
    assert.equal(started.status, 202);
    const operation = await settledOperation(((await started.json()) as { href: string }).href);
    assert.equal(operation.status, 'succeeded', JSON.stringify(operation));
    assert.equal(operation.results?.instanceUpdated, 1);
    const patientIds = async (partition: string) => {
      const url = `${server.baseUrl}/v2/partitions/${partition}/studies/${study}/metadata`;
      const docs = (await (await fetch(url)).json()) as DicomJsonDataset[];
      return docs.map((d) => d[Tag.PatientID]?.Value?.[0]);
    };
    assert.deepEqual(await patientIds('Part.One'), ['PART-NEW']);
    assert.deepEqual(await patientIds('Part.Two'), ['PART-OLD']);
  });
});
