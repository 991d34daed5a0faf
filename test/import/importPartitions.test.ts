/**
 * Bulk import with data partitions on (docs/import.md): `partitions/{name}/…` imports into that
 * partition (created if new, as STOW creates it), anything else into Microsoft.Default, and an
 * invalid partition name sends the file to the error container.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { makeDicom, newUid } from '../support/dicomFactory';
import { startTestServer, type TestServer } from '../support/testServer';
import { blobNames, dropFiles, errorMessages, importContainers, importUntilEmpty } from './importSupport';

describe('bulk import into data partitions', () => {
  let server: TestServer;
  const inAlpha = newUid();
  const inDefault = newUid();
  const invalid = newUid();

  before(async () => {
    server = await startTestServer({ env: { DICOM_DATA_PARTITIONS_ENABLED: 'true' } });
    const { imports } = importContainers(server.connectionString);
    await dropFiles(
      imports,
      new Map([
        // Two files: one multipart store call inside the partition.
        ['partitions/alpha/a.dcm', makeDicom({ studyInstanceUid: inAlpha })],
        ['partitions/alpha/a2.dcm', makeDicom({ studyInstanceUid: inAlpha })],
        ['b.dcm', makeDicom({ studyInstanceUid: inDefault })],
        ['partitions/not valid!/c.dcm', makeDicom({ studyInstanceUid: invalid })],
      ]),
    );
    await importUntilEmpty(server.functionsHost, imports);
  });
  after(() => server.stop());

  /** Instances of the study in the partition. */
  const studies = async (partition: string, study: string): Promise<number> => {
    const response = await fetch(`${server.baseUrl}/v2/partitions/${partition}/studies/${study}/instances`);
    if (response.status === 204) return 0;
    assert.equal(response.status, 200);
    return ((await response.json()) as DicomJsonDataset[]).length;
  };

  it('imports each file into the partition its prefix names, else the default one', async () => {
    assert.equal(await studies('alpha', inAlpha), 2);
    assert.equal(await studies('Microsoft.Default', inAlpha), 0);
    assert.equal(await studies('Microsoft.Default', inDefault), 1);
    assert.equal(await studies('alpha', inDefault), 0);
  });

  it('sends a file under an invalid partition name to the error container', async () => {
    const { errors } = importContainers(server.connectionString);
    assert.deepEqual(await blobNames(errors), [
      'partitions/not valid!/c.dcm',
      'partitions/not valid!/c.dcm.error.json',
    ]);
    const [message] = await errorMessages(server.connectionString);
    assert.match(String(message?.reason), /not a valid partition name/);
    assert.equal(await studies('Microsoft.Default', invalid), 0);
  });
});
