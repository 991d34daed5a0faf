import { createHash } from 'node:crypto';
import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { table } from './clients';
import { requestOfVersion, type InstanceKey } from './blobLayout';
import { batcherOf, type PartitionBatcher } from './partitionBatcher';
import { deleteIfUnchanged } from './conditionalDelete';
import { getEntityIfExists } from './entityReads';
import { isStorageStatus } from './storageErrors';

/**
 * The instance entity is the commit state of one instance (PartitionKey: study UID, RowKey:
 * `series|sop`). `creating` holds the instance for one store attempt under a lease that the
 * attempt renews; `created` makes it visible; `deleting` hides it while a delete runs.
 */
export type InstanceState = 'creating' | 'created' | 'deleting';

export interface InstanceEntity {
  partitionKey: string;
  rowKey: string;
  State: InstanceState;
  Version: string;
  SeriesInstanceUID: string;
  SOPInstanceUID: string;
  LeaseUntil?: Date;
  /**
   * Set by recovery when it made visible a store whose request may never have answered; the next
   * store of the instance then answers success (and clears it) instead of 45070.
   */
  Recovered?: boolean;
  [property: string]: unknown;
}

export interface InstanceRecord {
  readonly entity: InstanceEntity;
  readonly etag: string;
}

/**
 * Pending markers of stores and deletes in progress live in 16 partitions (by study), so a sweeper
 * finds abandoned ones with one range query, and no single partition takes every request's marker
 * writes (docs/scale.md). Earlier releases used one partition, `~pending`, still listed.
 */
const PENDING_PREFIX = '~pending';
const PENDING_SHARDS = 16;
/** Every marker partition, this release's and the earlier one: a range of PartitionKeys. */
export const PENDING_MARKERS_FILTER = `PartitionKey ge '${PENDING_PREFIX}' and PartitionKey lt '${PENDING_PREFIX}.'`;

/** The marker partition of a study: `~pending-00` to `~pending-0f`. */
export function pendingPartition(studyInstanceUid: string): string {
  const shard = createHash('sha256').update(studyInstanceUid).digest()[0] ?? 0;
  return `${PENDING_PREFIX}-${(shard % PENDING_SHARDS).toString(16).padStart(2, '0')}`;
}

/** The instance an entity is about: its partition is the study, its columns name the rest. */
export function instanceKeyOf(
  entity: Pick<InstanceEntity, 'partitionKey' | 'SeriesInstanceUID' | 'SOPInstanceUID'>,
): InstanceKey {
  return {
    studyInstanceUid: entity.partitionKey,
    seriesInstanceUid: entity.SeriesInstanceUID,
    sopInstanceUid: entity.SOPInstanceUID,
  };
}

export function instanceRowKey(key: InstanceKey): string {
  return `${key.seriesInstanceUid}|${key.sopInstanceUid}`;
}

/** One marker per store attempt (not per instance), so attempts never remove each other's. */
export function pendingRowKey(key: InstanceKey, version: string): string {
  return `${key.studyInstanceUid}|${key.seriesInstanceUid}|${key.sopInstanceUid}|${version}`;
}

function instances(): TableClient {
  return table('instances');
}

// Concurrent stores (and deletes) of one study share a partition, and every attempt writes a
// pending marker: grouping those writes into transactions takes most table round trips off the
// store path, and lets a study delete hide 5,000 instances in about 50 round trips.
/** The write batcher of the current partition's instances table, shared by stores and deletes. */
export function batched(): PartitionBatcher {
  return batcherOf(instances());
}

export type ReserveResult = { kind: 'reserved'; etag: string } | { kind: 'exists'; record: InstanceRecord };

/** Creates the `creating` entity; if one exists already, returns it instead. */
export async function reserveInstance(
  key: InstanceKey,
  version: string,
  leaseUntil: Date,
  leaseSeconds?: number,
): Promise<ReserveResult> {
  const entity = reservationEntity(key, version, leaseUntil, leaseSeconds);
  try {
    return { kind: 'reserved', etag: requireEtag(await batched().submit(['create', entity])) };
  } catch (error) {
    if (!isStorageStatus(error, 409)) throw error;
  }
  const record = await getInstanceRecord(key);
  // Deleted between our create and our read: try once more.
  if (!record) return reserveInstance(key, version, leaseUntil, leaseSeconds);
  return { kind: 'exists', record };
}

/**
 * The `creating` entity that holds an instance for one store attempt until `leaseUntil`. The
 * lease's length tells recovery when the attempt can have committed (shared/store/commitWindow.ts).
 */
export function reservationEntity(
  key: InstanceKey,
  version: string,
  leaseUntil: Date,
  leaseSeconds?: number,
): InstanceEntity {
  return {
    partitionKey: key.studyInstanceUid,
    rowKey: instanceRowKey(key),
    State: 'creating',
    Version: version,
    SeriesInstanceUID: key.seriesInstanceUid,
    SOPInstanceUID: key.sopInstanceUid,
    LeaseUntil: leaseUntil,
    ...(leaseSeconds === undefined ? {} : { LeaseSeconds: leaseSeconds }),
  };
}

/** Takes over an abandoned reservation (its lease ran out); undefined if someone else was faster. */
export async function takeOverReservation(
  record: InstanceRecord,
  version: string,
  leaseUntil: Date,
  leaseSeconds: number,
): Promise<string | undefined> {
  const entity: InstanceEntity = {
    partitionKey: record.entity.partitionKey,
    rowKey: record.entity.rowKey,
    State: 'creating',
    Version: version,
    SeriesInstanceUID: record.entity.SeriesInstanceUID,
    SOPInstanceUID: record.entity.SOPInstanceUID,
    LeaseUntil: leaseUntil,
    LeaseSeconds: leaseSeconds,
  };
  try {
    const response = await instances().updateEntity(entity, 'Replace', { etag: record.etag });
    return requireEtag(response.etag);
  } catch (error) {
    if (isStorageStatus(error, 412, 404)) return undefined;
    throw error;
  }
}

export async function getInstanceRecord(key: InstanceKey): Promise<InstanceRecord | undefined> {
  const entity = await getEntityIfExists<InstanceEntity>(instances(), key.studyInstanceUid, instanceRowKey(key));
  return entity && { entity, etag: entity.etag };
}

/** Extends the lease of our reservation; throws a 412 storage error if we lost it. */
export async function renewLease(key: InstanceKey, etag: string, leaseUntil: Date): Promise<string> {
  const response = await instances().updateEntity(
    { partitionKey: key.studyInstanceUid, rowKey: instanceRowKey(key), LeaseUntil: leaseUntil },
    'Merge',
    { etag },
  );
  return requireEtag(response.etag);
}

/**
 * Makes the instance visible, replacing the reservation with the full entity (guarded by `etag`).
 * Resolves with the new ETag.
 */
export async function markCreated(
  key: InstanceKey,
  etag: string,
  version: string,
  properties: Record<string, unknown>,
): Promise<string> {
  return requireEtag(await batched().submit(['update', createdEntity(key, version, properties), 'Replace', { etag }]));
}

/**
 * Sets or clears the `Recovered` flag while the entity is as we last saw it; resolves with the new
 * ETag, or undefined when it changed or is gone (412, 404).
 */
export async function setRecovered(key: InstanceKey, etag: string, recovered: boolean): Promise<string | undefined> {
  try {
    const response = await instances().updateEntity(
      { partitionKey: key.studyInstanceUid, rowKey: instanceRowKey(key), Recovered: recovered },
      'Merge',
      { etag },
    );
    return requireEtag(response.etag);
  } catch (error) {
    if (isStorageStatus(error, 412, 404)) return undefined;
    throw error;
  }
}

/** The entity of a visible instance: its projected properties plus the key and state columns. */
export function createdEntity(key: InstanceKey, version: string, properties: Record<string, unknown>): InstanceEntity {
  return {
    ...properties,
    partitionKey: key.studyInstanceUid,
    rowKey: instanceRowKey(key),
    State: 'created',
    Version: version,
    SeriesInstanceUID: key.seriesInstanceUid,
    SOPInstanceUID: key.sopInstanceUid,
  };
}

/**
 * Deletes the instance entity while it is as we last saw it: a store giving up its reservation, or
 * a delete removing its hidden entity. If the sweeper finished first and a new store has since
 * reserved the instance, the stale ETag protects that reservation.
 */
export async function deleteInstanceEntity(key: InstanceKey, etag: string): Promise<void> {
  await deleteIfUnchanged(instances(), key.studyInstanceUid, instanceRowKey(key), etag);
}

/** Writes a store attempt's marker; resolves with its ETag (for removing exactly this marker later). */
export async function writePendingMarker(key: InstanceKey, version: string): Promise<string> {
  return requireEtag(
    await batched().submit([
      'create',
      {
        partitionKey: pendingPartition(key.studyInstanceUid),
        rowKey: pendingRowKey(key, version),
        Version: version,
        ...key,
      },
    ]),
  );
}

/**
 * Removes a store's marker only while it is the one the store wrote: a delete of the same version
 * reuses the key (shared/delete/deleteWrites.ts), and its marker must stay. False when the marker
 * was gone or changed. A single request (a transaction's delete cannot carry an ETag).
 */
export async function deletePendingMarkerIfUnchanged(
  key: InstanceKey,
  version: string,
  etag: string,
  partition = pendingPartition(key.studyInstanceUid),
): Promise<boolean> {
  return deleteIfUnchanged(instances(), partition, pendingRowKey(key, version), etag);
}

export async function deletePendingMarker(key: InstanceKey, version: string): Promise<void> {
  try {
    await batched().submit([
      'delete',
      { partitionKey: pendingPartition(key.studyInstanceUid), rowKey: pendingRowKey(key, version) },
    ]);
  } catch (error) {
    if (!isStorageStatus(error, 404)) throw error;
  }
}

function requireEtag(etag: string | undefined): string {
  if (!etag) throw new Error('The table service answered without an ETag.');
  return etag;
}

export interface PendingMarker {
  /**
   * `request`: one per STOW request and study, covering every attempt whose version starts with
   * the request's (`key` then names only the study, `version` is the request's); `instance`: one
   * attempt's or delete's.
   */
  readonly kind: 'request' | 'instance';
  /** Its partition: the study's shard, or the single partition of earlier releases. */
  readonly partition: string;
  readonly key: InstanceKey;
  readonly version: string;
  /** When the marker was written (the table service's own timestamp). */
  readonly writtenAt: Date;
  /** `delete` for a delete's marker; undefined for a store's. */
  readonly purpose: string | undefined;
  readonly etag: string;
}

type MarkerEntity = InstanceKey & { Version: string; Purpose?: string; Kind?: string };

function pendingMarkerOf(entity: TableEntityResult<MarkerEntity>): PendingMarker {
  return {
    kind: entity.Kind === 'request' ? 'request' : 'instance',
    partition: entity.partitionKey ?? pendingPartition(entity.studyInstanceUid),
    key: {
      studyInstanceUid: entity.studyInstanceUid,
      seriesInstanceUid: entity.seriesInstanceUid ?? '',
      sopInstanceUid: entity.sopInstanceUid ?? '',
    },
    version: entity.Version,
    writtenAt: entity.timestamp ? new Date(entity.timestamp) : new Date(0),
    purpose: entity.Purpose,
    etag: entity.etag,
  };
}

/** Every pending marker written before `olderThan`, in key order. */
export async function* pendingMarkers(olderThan: Date, abortSignal?: AbortSignal): AsyncGenerator<PendingMarker> {
  const entities = instances().listEntities<MarkerEntity>({
    queryOptions: { filter: PENDING_MARKERS_FILTER },
    abortSignal,
  });
  for await (const entity of entities) {
    const marker = pendingMarkerOf(entity);
    if (marker.writtenAt < olderThan) yield marker;
  }
}

/** Pending markers written before `olderThan`: store attempts that may have been abandoned. */
export async function listPendingMarkers(olderThan: Date, max: number): Promise<PendingMarker[]> {
  const markers: PendingMarker[] = [];
  for await (const marker of pendingMarkers(olderThan)) {
    markers.push(marker);
    if (markers.length >= max) break;
  }
  return markers;
}

/**
 * The marker that covers this attempt, if it is still there: its request's (attempts of this
 * release), or its own (attempts of earlier releases, and what tests write).
 */
export async function getPendingMarker(key: InstanceKey, version: string): Promise<PendingMarker | undefined> {
  const partition = pendingPartition(key.studyInstanceUid);
  const requestVersion = requestOfVersion(version);
  if (requestVersion !== undefined) {
    const entity = await getEntityIfExists<MarkerEntity>(
      instances(),
      partition,
      requestMarkerRowKey(key.studyInstanceUid, requestVersion),
    );
    if (entity) return pendingMarkerOf(entity);
  }
  const entity = await getEntityIfExists<MarkerEntity>(instances(), partition, pendingRowKey(key, version));
  return entity && pendingMarkerOf(entity);
}

/** Two segments, where an attempt's or a delete's marker has four. */
export function requestMarkerRowKey(studyInstanceUid: string, requestVersion: string): string {
  return `${studyInstanceUid}|${requestVersion}`;
}

/**
 * Writes (or rewrites, refreshing its timestamp) the marker of a STOW request's attempts in one
 * study; resolves with its ETag.
 */
export async function writeRequestMarker(studyInstanceUid: string, requestVersion: string): Promise<string> {
  return requireEtag(
    await batched().submit([
      'upsert',
      {
        partitionKey: pendingPartition(studyInstanceUid),
        rowKey: requestMarkerRowKey(studyInstanceUid, requestVersion),
        Kind: 'request',
        Version: requestVersion,
        studyInstanceUid,
      },
      'Replace',
    ]),
  );
}

/** Removes a request's marker while it is as written with `etag`; false when it changed or is gone. */
export async function deleteRequestMarker(
  studyInstanceUid: string,
  requestVersion: string,
  etag: string,
  partition = pendingPartition(studyInstanceUid),
): Promise<boolean> {
  return deleteIfUnchanged(instances(), partition, requestMarkerRowKey(studyInstanceUid, requestVersion), etag);
}

/** The instance entities a request's attempts hold in one study: a range of versions. */
export async function listRequestAttempts(studyInstanceUid: string, requestVersion: string): Promise<InstanceRecord[]> {
  // Attempt versions are `{request}.{n}`; `/` is the character after `.`.
  const filter = odata`PartitionKey eq ${studyInstanceUid} and Version ge ${`${requestVersion}.`} and Version lt ${`${requestVersion}/`}`;
  const records: InstanceRecord[] = [];
  for await (const entity of instances().listEntities<InstanceEntity>({ queryOptions: { filter } })) {
    records.push({ entity, etag: entity.etag });
  }
  return records;
}
