import { createdVersionRowKey, FEED_PARTITION } from '../changefeed/changeFeedEntry';
import { table } from '../storage/clients';
import { markCreated, type InstanceRecord } from '../storage/instanceRecords';
import { isStorageStatus } from '../storage/storageErrors';

export interface CommitRecord {
  readonly sequence: number;
  readonly properties: Record<string, unknown>;
}

/** The change feed's record of a committed create of this version, if there is one. */
export async function findCommit(version: string): Promise<CommitRecord | undefined> {
  try {
    const entity = await table('changeFeed').getEntity<Record<string, unknown>>(
      FEED_PARTITION,
      createdVersionRowKey(version),
    );
    const { partitionKey: _pk, rowKey: _rk, etag: _etag, timestamp: _ts, EventTime, Sequence, ...properties } = entity;
    return { sequence: Number(Sequence), properties: { ...properties, Sequence, StoredAt: EventTime } };
  } catch (error) {
    if (isStorageStatus(error, 404)) return undefined;
    throw error;
  }
}

/** The sequence of this version's committed create, if it was committed. */
export async function isCommitted(version: string): Promise<number | undefined> {
  return (await findCommit(version))?.sequence;
}

/**
 * Finishes a store whose commit reached the change feed but whose entity is still `creating`:
 * the commit record holds everything the instance entity needs, so the store is rolled forward,
 * never lost. The commit is the commit point, so this is done even while the attempt's lease is
 * held (its owner then finds its own version `created`: shared/store/visibility.ts). The entity
 * is flagged `Recovered`: the attempt's request may never answer, so the next store of the
 * instance answers success (shared/store/interruptedStore.ts).
 */
export async function rollForward(record: InstanceRecord, commit: CommitRecord): Promise<void> {
  const { entity } = record;
  await markCreated(
    {
      studyInstanceUid: entity.partitionKey,
      seriesInstanceUid: entity.SeriesInstanceUID,
      sopInstanceUid: entity.SOPInstanceUID,
    },
    record.etag,
    entity.Version,
    { ...commit.properties, Recovered: true },
  );
}
