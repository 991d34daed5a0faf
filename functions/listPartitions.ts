// GET /v{1,2}/partitions — the data partitions (docs/partitions.md); 400 with the feature off.
import { getConfig } from '../shared/config';
import { BadRequestError } from '../shared/errors';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { listPartitions as readPartitions } from '../shared/partitions/partitionRegistry';
import { ensureStorage } from '../shared/storage/provision';

export const listPartitions: DicomWebHandler = async () => {
  if (!getConfig().storage.dataPartitions) {
    throw new BadRequestError('Data partitions feature is disabled.', 'DataPartitionsFeatureDisabled');
  }
  await ensureStorage();
  const partitions = await readPartitions();
  return {
    status: 200,
    jsonBody: partitions.map((p) => ({
      partitionKey: p.key,
      partitionName: p.name,
      createdDate: p.createdDate.toISOString(),
    })),
  };
};

registerDicomWebRoute({ name: 'listPartitions', route: 'partitions', methods: ['GET'], handler: listPartitions });
