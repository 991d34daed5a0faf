import { instanceKeyOf, type InstanceRecord } from '../storage/instanceRecords';
import { originalVersionOf } from '../storage/replacementRecords';
import { ensureDeleteEvent, finishDelete } from './deleteFinisher';

/**
 * Finishes a delete whose process died: a `deleting` entity whose lease ran out. The client may
 * or may not have had its 204; either way the instance was hidden, so the delete is rolled
 * forward: its feed event appended if it is missing, then blobs, entity and marker removed.
 * Returns false (and does nothing) while the lease is still held.
 */
export async function resumeAbandonedDelete(record: InstanceRecord): Promise<boolean> {
  const { entity, etag } = record;
  const leaseUntil = entity.LeaseUntil instanceof Date ? entity.LeaseUntil.getTime() : 0;
  if (entity.State !== 'deleting' || leaseUntil > Date.now()) return false;
  const instance = {
    key: instanceKeyOf(entity),
    version: entity.Version,
    etag,
    originalVersion: originalVersionOf(entity),
  };
  await ensureDeleteEvent(instance, entity);
  await finishDelete(instance);
  return true;
}
