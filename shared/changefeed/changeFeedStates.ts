import { metadataBlobName, type InstanceKey } from '../storage/blobLayout';
import { downloadBlob } from '../retrieve/blobReads';
import { table } from '../storage/clients';
import { instanceRowKey, type InstanceEntity } from '../storage/instanceRecords';
import { getEntityIfExists } from '../storage/entityReads';
import { isStorageStatus } from '../storage/storageErrors';
import type { FeedRow } from './changeFeedReader';
import { mapConcurrently } from './mapConcurrently';
import { inPartitionNamed } from '../partitions/partitionRegistry';
import { RawJson } from './rawJson';

export type EntryState = 'current' | 'replaced' | 'deleted';

export interface EntryStatus {
  readonly state: EntryState;
  /** The instance's DICOM JSON, as stored: only while the entry's version is the current one, and when asked for. */
  readonly metadata?: RawJson;
}

/** Instance lookups in flight for one page (a page holds at most 200 entries). */
const LOOKUP_CONCURRENCY = 16;

/**
 * Metadata a page carries at most, as stored JSON, and per entry (issue 13: entries of a few huge
 * instances once made every page covering them run out of memory and answer 500, on every poll).
 * An entry past either bound is returned without `Metadata`; its instance's metadata stays
 * readable through WADO-RS. Reads of metadata blobs stop at the per-entry bound.
 */
export const MAX_ENTRY_METADATA_BYTES = 4 * 1024 * 1024;
export const MAX_PAGE_METADATA_BYTES = 16 * 1024 * 1024;

/** The page's metadata budget, shared by its lookups in flight. */
class MetadataBudget {
  private left = MAX_PAGE_METADATA_BYTES;

  /** True when `bytes` fit, and then they are taken. */
  take(bytes: number): boolean {
    if (bytes > MAX_ENTRY_METADATA_BYTES || bytes > this.left) return false;
    this.left -= bytes;
    return true;
  }
}

type InstanceColumns = Pick<InstanceEntity, 'State' | 'Version'> & { Metadata?: string; MetadataInBlob?: boolean };

/**
 * What each entry's instance is now. An entry is `current` while its version is the visible
 * (`created`) version of its instance, `replaced` when another version is visible, and `deleted`
 * when no version is (deleted, being deleted, or a re-store not yet committed). One point read
 * per distinct instance of the page, so the cost follows the page.
 */
export async function entryStatuses(rows: readonly FeedRow[], includeMetadata: boolean): Promise<EntryStatus[]> {
  const keys = new Map<string, FeedRow>();
  for (const row of rows) keys.set(lookupKey(row), row);
  const distinct = [...keys.entries()];
  const found = await mapConcurrently(distinct, LOOKUP_CONCURRENCY, ([, row]) =>
    inPartitionNamed(row.partitionName, () => readInstance(row, includeMetadata)),
  );
  const byKey = new Map(distinct.map(([id], i) => [id, found[i]]));
  const budget = new MetadataBudget();
  return mapConcurrently(rows, LOOKUP_CONCURRENCY, async (row) => {
    const instance = byKey.get(lookupKey(row));
    if (!instance || instance.State !== 'created') return { state: 'deleted' };
    if (instance.Version !== row.version) return { state: 'replaced' };
    if (!includeMetadata) return { state: 'current' };
    const metadata = await inPartitionNamed(row.partitionName, () => metadataOf(row, instance, budget));
    return { state: 'current', metadata };
  });
}

function lookupKey(row: FeedRow): string {
  return `${row.partitionName}/${row.studyInstanceUid}/${instanceRowKey(row)}`;
}

async function readInstance(key: InstanceKey, includeMetadata: boolean): Promise<InstanceColumns | undefined> {
  const select = includeMetadata ? ['State', 'Version', 'Metadata', 'MetadataInBlob'] : ['State', 'Version'];
  return getEntityIfExists<InstanceColumns>(table('instances'), key.studyInstanceUid, instanceRowKey(key), {
    queryOptions: { select },
  });
}

async function metadataOf(
  row: FeedRow,
  instance: InstanceColumns,
  budget: MetadataBudget,
): Promise<RawJson | undefined> {
  if (instance.MetadataInBlob !== true) {
    if (!instance.Metadata || !budget.take(instance.Metadata.length)) return undefined;
    return new RawJson(instance.Metadata);
  }
  try {
    // One byte past the bound tells a blob that is too large without reading all of it.
    const body = await downloadBlob(metadataBlobName(row, row.version), MAX_ENTRY_METADATA_BYTES + 1);
    if (!budget.take(body.length)) return undefined;
    return new RawJson(body.toString('utf8'));
  } catch (error) {
    // Deleted between the entity read and the blob read: the entry is no longer current.
    if (isStorageStatus(error, 404)) return undefined;
    throw error;
  }
}
