import type { InstanceKey } from '../storage/blobLayout';
import { getInstanceRecord, markCreated, setRecovered } from '../storage/instanceRecords';
import { isStorageStatus } from '../storage/storageErrors';

/**
 * The store's last write before it answers: its committed attempt becomes `created`. Recovery may
 * have done that already (it rolls a committed attempt forward even while the lease is held,
 * shared/store/storeRecovery.ts), so a 412 where the entity is now `created` with this attempt's
 * version is success; the `Recovered` flag recovery set is cleared, since this request answers.
 * A stale ETag of our own (a renewal whose answer was lost) is retried with the current one.
 */
export async function makeVisible(
  key: InstanceKey,
  leaseEtag: string,
  version: string,
  properties: Record<string, unknown>,
): Promise<void> {
  let etag = leaseEtag;
  for (let attempt = 1; ; attempt++) {
    try {
      await markCreated(key, etag, version, properties);
      return;
    } catch (error) {
      if (!isStorageStatus(error, 412) || attempt >= 3) throw error;
      const record = await getInstanceRecord(key);
      if (record?.entity.Version !== version) throw error;
      if (record.entity.State === 'created') {
        if (record.entity.Recovered === true) await setRecovered(key, record.etag, false);
        return;
      }
      if (record.entity.State !== 'creating') throw error;
      etag = record.etag;
    }
  }
}
