import { odata } from '@azure/data-tables';
import { table } from '../storage/clients';
import { instanceKeyOf, instanceRowKey, type InstanceEntity } from '../storage/instanceRecords';
import { originalVersionOf } from '../storage/replacementRecords';
import { isStorageStatus } from '../storage/storageErrors';
import type { DeleteCandidate, DeleteScope } from './deleteScope';

// Only what a delete needs: no metadata or frame columns for thousands of instances.
const COLUMNS = [
  'PartitionKey',
  'RowKey',
  'State',
  'Version',
  'SeriesInstanceUID',
  'SOPInstanceUID',
  'OriginalVersion',
];

type KeyColumns = Pick<InstanceEntity, 'partitionKey' | 'rowKey' | 'State' | 'Version'> &
  Pick<InstanceEntity, 'SeriesInstanceUID' | 'SOPInstanceUID'> & { etag: string };

/**
 * The visible (`created`) instances of the scope with their ETags. One query on the study's
 * partition; a series is a RowKey range (`{series}|` up to `{series}}`, `}` sorting right after
 * `|`); one instance is a point read. The cost follows the size of the answer.
 */
export async function listDeleteCandidates(scope: DeleteScope): Promise<DeleteCandidate[]> {
  const { studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop } = scope;
  if (series !== undefined && sop !== undefined) {
    const one = await pointRead(
      study,
      instanceRowKey({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop }),
    );
    return one && one.State === 'created' ? [candidate(one)] : [];
  }
  const filter =
    series === undefined
      ? odata`PartitionKey eq ${study} and State eq 'created'`
      : odata`PartitionKey eq ${study} and RowKey ge ${`${series}|`} and RowKey lt ${`${series}}`} and State eq 'created'`;
  const found: DeleteCandidate[] = [];
  for await (const entity of table('instances').listEntities<KeyColumns>({
    queryOptions: { filter, select: COLUMNS },
  })) {
    found.push(candidate(entity));
  }
  return found;
}

async function pointRead(partitionKey: string, rowKey: string): Promise<KeyColumns | undefined> {
  try {
    return await table('instances').getEntity<KeyColumns>(partitionKey, rowKey, { queryOptions: { select: COLUMNS } });
  } catch (error) {
    if (isStorageStatus(error, 404)) return undefined;
    throw error;
  }
}

function candidate(entity: KeyColumns): DeleteCandidate {
  return {
    key: instanceKeyOf(entity),
    version: entity.Version,
    etag: entity.etag,
    ...originalOf(entity),
  };
}

function originalOf(entity: KeyColumns): { originalVersion?: string } {
  const original = originalVersionOf(entity);
  return original === undefined || original === entity.Version ? {} : { originalVersion: original };
}
