/**
 * Writes, straight into storage, what a store attempt leaves behind when its process dies
 * (docs/consistency.md), so recovery can be tested without killing a process. Keys come from the
 * production code; the entities are written raw, as a dead process would have left them.
 */
import { requestOfVersion, type InstanceKey } from '../../shared/storage/blobLayout';
import {
  instanceRowKey,
  pendingPartition,
  requestMarkerRowKey,
  pendingRowKey,
  reservationEntity,
} from '../../shared/storage/instanceRecords';
import { newUid } from './dicomFactory';
import type { StorageProbe } from './storageProbe';

export function newInstanceKey(): InstanceKey {
  return { studyInstanceUid: newUid(), seriesInstanceUid: newUid(), sopInstanceUid: newUid() };
}

export { instanceRowKey };

/** A `creating` instance entity whose lease ends `leaseFromNowMs` from now (negative: expired). */
export async function insertReservation(
  probe: StorageProbe,
  key: InstanceKey,
  version: string,
  leaseFromNowMs: number,
): Promise<void> {
  await probe.table('Instances').createEntity(reservationEntity(key, version, new Date(Date.now() + leaseFromNowMs)));
}

/**
 * The pending marker covering a store attempt (replacing the one a live store may still hold for
 * its answer's grace): its request's for versions of this release, its own for other versions.
 */
export async function insertPendingMarker(probe: StorageProbe, key: InstanceKey, version: string): Promise<void> {
  const requestVersion = requestOfVersion(version);
  if (requestVersion !== undefined) {
    await probe.table('Instances').upsertEntity(
      {
        partitionKey: pendingPartition(key.studyInstanceUid),
        rowKey: requestMarkerRowKey(key.studyInstanceUid, requestVersion),
        Kind: 'request',
        Version: requestVersion,
        studyInstanceUid: key.studyInstanceUid,
      },
      'Replace',
    );
    return;
  }
  await probe.table('Instances').upsertEntity(
    {
      partitionKey: pendingPartition(key.studyInstanceUid),
      rowKey: pendingRowKey(key, version),
      Version: version,
      ...key,
    },
    'Replace',
  );
}

/** The change feed's record that this version's create was committed. */
export async function insertCommitRecord(probe: StorageProbe, version: string, sequence: number): Promise<void> {
  await probe.table('ChangeFeed').createEntity({
    partitionKey: 'feed',
    rowKey: `created-${version}`,
    Sequence: sequence,
    EventTime: new Date(),
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
  });
}
