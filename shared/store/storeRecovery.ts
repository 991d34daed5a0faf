import { findEvent, type FoundEvent } from '../changefeed/feedEventLookup';
import { instanceKeyOf, markCreated, type InstanceRecord } from '../storage/instanceRecords';
import { commitWindowOf } from './commitWindow';
import { storedFileProperties } from './storedFileProperties';

/** The committed create of the attempt that holds `record` (a `creating` entity), if it was committed. */
export async function findCommit(record: InstanceRecord): Promise<FoundEvent | undefined> {
  return findEvent('create', record.entity.Version, commitWindowOf(record.entity));
}

/**
 * Finishes a store whose commit reached the change feed but whose entity is still `creating`:
 * the stored file holds everything the instance entity needs (shared/store/storedFileProperties.ts;
 * commit records of earlier releases carry it),
 * so the store is rolled forward, never lost. The commit is the commit point, so this is done even
 * while the attempt's lease is held (its owner then finds its own version `created`:
 * shared/store/visibility.ts). The entity is flagged `Recovered`: the attempt's request may never
 * answer, so the next store of the instance answers success (shared/store/interruptedStore.ts).
 */
export async function rollForward(record: InstanceRecord, commit: FoundEvent): Promise<void> {
  const { entity } = record;
  const key = instanceKeyOf(entity);
  const properties = commit.legacyProperties ?? (await storedFileProperties(key, entity.Version));
  await markCreated(key, record.etag, entity.Version, {
    ...properties,
    Sequence: commit.sequence,
    StoredAt: commit.timestamp,
    Recovered: true,
  });
}
