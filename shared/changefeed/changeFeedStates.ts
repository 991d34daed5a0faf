import type { DicomJsonDataset } from '../dicom/dicomJson';
import { metadataBlobName, type InstanceKey } from '../storage/blobLayout';
import { blobContainer, table } from '../storage/clients';
import { instanceRowKey, type InstanceEntity } from '../storage/instanceRecords';
import { getEntityIfExists } from '../storage/entityReads';
import { isStorageStatus } from '../storage/storageErrors';
import type { FeedRow } from './changeFeedReader';
import { mapConcurrently } from './mapConcurrently';

export type EntryState = 'current' | 'replaced' | 'deleted';

export interface EntryStatus {
  readonly state: EntryState;
  /** The instance's DICOM JSON: only while the entry's version is the current one, and when asked for. */
  readonly metadata?: DicomJsonDataset;
}

/** Instance lookups in flight for one page (a page holds at most 200 entries). */
const LOOKUP_CONCURRENCY = 16;

type InstanceColumns = Pick<InstanceEntity, 'State' | 'Version'> & { Metadata?: string; MetadataInBlob?: boolean };

/**
 * What each entry's instance is now. An entry is `current` while its version is the visible
 * (`created`) version of its instance, `replaced` when another version is visible, and `deleted`
 * when no version is (deleted, being deleted, or a re-store not yet committed). One point read
 * per distinct instance of the page, so the cost follows the page.
 */
export async function entryStatuses(rows: readonly FeedRow[], includeMetadata: boolean): Promise<EntryStatus[]> {
  const keys = new Map<string, InstanceKey>();
  for (const row of rows) keys.set(lookupKey(row), row);
  const distinct = [...keys.entries()];
  const found = await mapConcurrently(distinct, LOOKUP_CONCURRENCY, ([, key]) => readInstance(key, includeMetadata));
  const byKey = new Map(distinct.map(([id], i) => [id, found[i]]));
  return mapConcurrently(rows, LOOKUP_CONCURRENCY, async (row) => {
    const instance = byKey.get(lookupKey(row));
    if (!instance || instance.State !== 'created') return { state: 'deleted' };
    if (instance.Version !== row.version) return { state: 'replaced' };
    if (!includeMetadata) return { state: 'current' };
    return { state: 'current', metadata: await metadataOf(row, instance) };
  });
}

function lookupKey(key: InstanceKey): string {
  return `${key.studyInstanceUid}/${instanceRowKey(key)}`;
}

async function readInstance(key: InstanceKey, includeMetadata: boolean): Promise<InstanceColumns | undefined> {
  const select = includeMetadata ? ['State', 'Version', 'Metadata', 'MetadataInBlob'] : ['State', 'Version'];
  return getEntityIfExists<InstanceColumns>(table('instances'), key.studyInstanceUid, instanceRowKey(key), {
    queryOptions: { select },
  });
}

async function metadataOf(row: FeedRow, instance: InstanceColumns): Promise<DicomJsonDataset | undefined> {
  if (instance.MetadataInBlob !== true) {
    return instance.Metadata ? (JSON.parse(instance.Metadata) as DicomJsonDataset) : undefined;
  }
  try {
    const body = await blobContainer().getBlockBlobClient(metadataBlobName(row, row.version)).downloadToBuffer();
    return JSON.parse(body.toString('utf8')) as DicomJsonDataset;
  } catch (error) {
    // Deleted between the entity read and the blob read: the entry is no longer current.
    if (isStorageStatus(error, 404)) return undefined;
    throw error;
  }
}
