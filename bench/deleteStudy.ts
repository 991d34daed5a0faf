/**
 * Delete of one large study: instances seeded straight into the table and blob container (as
 * committed stores leave them), then one DELETE over HTTP. Reports the response time (the
 * visible part: hide, feed events) and the time until blobs and entities are gone.
 */
import type { TransactionAction } from '@azure/data-tables';
import { backgroundDeletesSettled } from '../shared/delete/backgroundDeletes';
import { fileBlobName } from '../shared/storage/blobLayout';
import { blobContainer, table } from '../shared/storage/clients';
import { countStorageRequests } from './changefeedRequests';
import { forEachConcurrently } from './changefeedServer';

const UPLOAD_CONCURRENCY = 32;
const SERIES_PER_STUDY = 10;
const FILE_BYTES = 1024;
const ENTITIES_PER_TRANSACTION = 100;

export interface DeleteReport {
  readonly instances: number;
  readonly seedSeconds: number;
  readonly responseStatus: number;
  readonly responseSeconds: number;
  /** Storage requests made before the 204 (the listing, marker and hide transactions, feed transactions). */
  readonly responseRequests: number;
  readonly finishedSeconds: number;
  readonly entitiesLeft: number;
  readonly blobsLeft: number;
}

export async function benchDeleteStudy(baseUrl: string, instances: number): Promise<DeleteReport> {
  const study = `1.2.840.99.${Date.now()}`;
  const seedStart = performance.now();
  const file = Buffer.alloc(FILE_BYTES);
  const keyOf = (i: number) => ({
    studyInstanceUid: study,
    seriesInstanceUid: `${study}.${i % SERIES_PER_STUDY}`,
    sopInstanceUid: `${study}.9.${i}`,
  });
  const versionOf = (i: number) => `v-bench-${i}`;
  await forEachConcurrently(instances, UPLOAD_CONCURRENCY, async (i) => {
    await blobContainer()
      .getBlockBlobClient(fileBlobName(keyOf(i), versionOf(i)))
      .upload(file, file.length);
  });
  // One partition: entities go in transactions of 100, as committed stores would have left them.
  await forEachConcurrently(Math.ceil(instances / ENTITIES_PER_TRANSACTION), 1, async (batch) => {
    const actions: TransactionAction[] = [];
    const end = Math.min(instances, (batch + 1) * ENTITIES_PER_TRANSACTION);
    for (let i = batch * ENTITIES_PER_TRANSACTION; i < end; i += 1) {
      const key = keyOf(i);
      actions.push([
        'create',
        {
          partitionKey: study,
          rowKey: `${key.seriesInstanceUid}|${key.sopInstanceUid}`,
          State: 'created',
          Version: versionOf(i),
          SeriesInstanceUID: key.seriesInstanceUid,
          SOPInstanceUID: key.sopInstanceUid,
          Metadata: '{}',
        },
      ]);
    }
    await table('instances').submitTransaction(actions);
  });
  const seedSeconds = (performance.now() - seedStart) / 1000;

  const start = performance.now();
  let status = 0;
  const responseRequests = await countStorageRequests(async () => {
    const response = await fetch(`${baseUrl}/v2/studies/${study}`, { method: 'DELETE' });
    await response.arrayBuffer();
    status = response.status;
  });
  const responseSeconds = (performance.now() - start) / 1000;
  await backgroundDeletesSettled();
  const finishedSeconds = (performance.now() - start) / 1000;

  let entitiesLeft = 0;
  for await (const _ of table('instances').listEntities({ queryOptions: { filter: `PartitionKey eq '${study}'` } })) {
    entitiesLeft += 1;
  }
  let blobsLeft = 0;
  for await (const _ of blobContainer().listBlobsFlat({ prefix: `${study}/` })) blobsLeft += 1;
  return {
    instances,
    seedSeconds,
    responseStatus: status,
    responseSeconds,
    responseRequests,
    finishedSeconds,
    entitiesLeft,
    blobsLeft,
  };
}
