/**
 * The event publisher's checkpoint: one entity (change-feed table, PartitionKey `events`, apart from
 * the busy `feed` partition) holding the last sequence published and a lease, so that one
 * publisher runs at a time across every instance of the app. Every write is guarded by the ETag
 * last read: a publisher whose lease was taken over fails its next write and stops.
 */
import { table } from '../storage/clients';
import { getEntityIfExists } from '../storage/entityReads';
import { isStorageStatus } from '../storage/storageErrors';

const PARTITION = 'events';
const ROW = 'checkpoint';

export interface Checkpoint {
  /** The last sequence published (0: none). */
  readonly last: number;
  readonly etag: string;
}

interface CheckpointEntity {
  Last: number;
  LeaseOwner: string;
  LeaseUntil: Date;
}

/**
 * Takes the lease for `owner` until `until` if nobody else holds it; resolves with the checkpoint,
 * or with the time the other holder's lease ends.
 */
export async function acquire(owner: string, until: Date): Promise<Checkpoint | { heldUntil: Date }> {
  const client = table('changeFeed');
  const current = await getEntityIfExists<CheckpointEntity>(client, PARTITION, ROW);
  const entity = { partitionKey: PARTITION, rowKey: ROW, LeaseOwner: owner, LeaseUntil: until };
  try {
    if (!current) {
      const created = await client.createEntity({ ...entity, Last: 0 });
      return { last: 0, etag: requireEtag(created.etag) };
    }
    const heldUntil = current.LeaseUntil instanceof Date ? current.LeaseUntil : new Date(0);
    if (current.LeaseOwner !== owner && heldUntil.getTime() > Date.now()) return { heldUntil };
    const updated = await client.updateEntity(entity, 'Merge', { etag: current.etag });
    return { last: Number(current.Last), etag: requireEtag(updated.etag) };
  } catch (error) {
    // Someone else acquired or advanced it between our read and write.
    if (isStorageStatus(error, 409, 412)) return { heldUntil: new Date(Date.now() + 1000) };
    throw error;
  }
}

/** Records `last` as published and extends the lease; throws a 412 storage error if the lease was lost. */
export async function advance(checkpoint: Checkpoint, last: number, until: Date): Promise<Checkpoint> {
  const updated = await table('changeFeed').updateEntity(
    { partitionKey: PARTITION, rowKey: ROW, Last: last, LeaseUntil: until },
    'Merge',
    { etag: checkpoint.etag },
  );
  return { last, etag: requireEtag(updated.etag) };
}

/** Lets another publisher start at once (the lease ends now); a lost lease is not an error. */
export async function release(checkpoint: Checkpoint): Promise<void> {
  try {
    await table('changeFeed').updateEntity({ partitionKey: PARTITION, rowKey: ROW, LeaseUntil: new Date(0) }, 'Merge', {
      etag: checkpoint.etag,
    });
  } catch (error) {
    if (!isStorageStatus(error, 412, 404)) throw error;
  }
}

/** The last sequence published, for diagnostics and tests (0 when none). */
export async function publishedThrough(): Promise<number> {
  const entity = await getEntityIfExists<CheckpointEntity>(table('changeFeed'), PARTITION, ROW);
  return entity ? Number(entity.Last) : 0;
}

function requireEtag(etag: string | undefined): string {
  if (!etag) throw new Error('The table service answered without an ETag.');
  return etag;
}
