/**
 * Operations in Table Storage (docs/operations.md). One partition of the global `Operations`
 * table holds every operation (`op~{id}`) and an index of the active ones (`active~{id}`), so that
 * creating an operation with its index row, and ending it with the index row's removal, are each
 * one entity-group transaction, and the stale-operation timer reads only the index range.
 */
import type { TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { table } from '../storage/clients';
import { getEntityIfExists } from '../storage/entityReads';
import { isStorageStatus } from '../storage/storageErrors';
import type { OperationState, OperationStatus, OperationType } from './operationTypes';

/** The one place that names the operations table: global, whatever the data partitions. */
export function operationsTable(): TableClient {
  return table('operations');
}

const PARTITION = 'operations';
const OPERATION_PREFIX = 'op~';
const ACTIVE_PREFIX = 'active~';
/** Table Storage keeps strings up to 32 K UTF-16 characters (64 KiB). */
export const MAX_STORED_JSON_CHARS = 32_000;

// Type aliases, not interfaces: the transaction API wants entities assignable to Record<string, unknown>.
export type OperationEntity = {
  partitionKey: string;
  rowKey: string;
  type: string;
  status: string;
  checkpoint: string;
  createdTime: Date;
  lastUpdatedTime: Date;
  percentComplete: number;
  resources: string;
  results?: string;
  /** The step the next message must name; bumped by every saved step (duplicate messages are dropped). */
  step: number;
  /** Re-enqueues by the stale-operation timer since the last saved step. */
  requeues: number;
  requeuedTime?: Date;
};

type ActiveEntity = {
  partitionKey: string;
  rowKey: string;
  type: string;
  createdTime: Date;
};

/** An operation as read, with what the runner needs to write it back. */
export interface StoredOperation {
  readonly state: OperationState<unknown>;
  readonly step: number;
  readonly requeues: number;
  readonly requeuedTime: Date | undefined;
  readonly etag: string;
}

export class CheckpointTooLargeError extends Error {}

export async function createOperation(state: OperationState<unknown>): Promise<void> {
  const entity: OperationEntity = { ...toEntity(state), step: 0, requeues: 0 };
  const active: ActiveEntity = {
    partitionKey: PARTITION,
    rowKey: ACTIVE_PREFIX + state.id,
    type: state.type,
    createdTime: state.createdTime,
  };
  await operationsTable().submitTransaction([
    ['create', entity],
    ['create', active],
  ]);
}

export async function readOperation(id: string): Promise<StoredOperation | undefined> {
  const entity = await getEntityIfExists<OperationEntity>(operationsTable(), PARTITION, OPERATION_PREFIX + id);
  return entity && fromEntity(entity);
}

/**
 * Writes the operation if nobody wrote it since `etag` was read; false when someone did (412): the
 * caller lost the race and drops its work. A terminal state also removes the active index row.
 */
export async function saveOperation(
  state: OperationState<unknown>,
  bookkeeping: { step: number; requeues: number; requeuedTime?: Date },
  etag: string,
): Promise<boolean> {
  const entity: OperationEntity = { ...toEntity(state), ...bookkeeping };
  const terminal = ['succeeded', 'failed', 'canceled'].includes(state.status);
  const update: TransactionAction = ['update', entity, 'Replace', { etag }];
  try {
    if (!terminal) {
      await operationsTable().updateEntity(entity, 'Replace', { etag });
      return true;
    }
    try {
      await operationsTable().submitTransaction([
        update,
        ['delete', { partitionKey: PARTITION, rowKey: ACTIVE_PREFIX + state.id }],
      ]);
    } catch (error) {
      // The index row already gone (a cleanup raced us): end the operation alone.
      if (!isStorageStatus(error, 404)) throw error;
      await operationsTable().updateEntity(entity, 'Replace', { etag });
    }
    return true;
  } catch (error) {
    if (isStorageStatus(error, 412)) return false;
    throw error;
  }
}

/** Active index rows, oldest id first, at most `limit` (bounded work per timer run). */
export async function listActive(limit: number): Promise<{ id: string; type: string; createdTime: Date }[]> {
  const rows: { id: string; type: string; createdTime: Date }[] = [];
  // Ids are hex, which sorts below '~'.
  const filter = `PartitionKey eq '${PARTITION}' and RowKey gt '${ACTIVE_PREFIX}' and RowKey lt '${ACTIVE_PREFIX}~'`;
  const pages = operationsTable()
    .listEntities<ActiveEntity>({ queryOptions: { filter, select: ['RowKey', 'type', 'createdTime'] } })
    .byPage({ maxPageSize: Math.min(limit, 1000) });
  for await (const page of pages) {
    for (const row of page) {
      if (rows.length >= limit) return rows;
      rows.push({ id: row.rowKey.slice(ACTIVE_PREFIX.length), type: row.type, createdTime: new Date(row.createdTime) });
    }
    if (rows.length >= limit) break;
  }
  return rows;
}

/** Removes an index row whose operation has ended or does not exist. */
export async function removeActive(id: string): Promise<void> {
  try {
    await operationsTable().deleteEntity(PARTITION, ACTIVE_PREFIX + id);
  } catch (error) {
    if (!isStorageStatus(error, 404)) throw error;
  }
}

function toEntity(state: OperationState<unknown>): Omit<OperationEntity, 'step' | 'requeues'> {
  const checkpoint = JSON.stringify(state.checkpoint ?? null);
  const results = state.results === undefined ? undefined : JSON.stringify(state.results);
  if (checkpoint.length > MAX_STORED_JSON_CHARS || (results?.length ?? 0) > MAX_STORED_JSON_CHARS) {
    throw new CheckpointTooLargeError(
      `Operation ${state.id}: the checkpoint and results must each serialize to at most ${MAX_STORED_JSON_CHARS} characters.`,
    );
  }
  return {
    partitionKey: PARTITION,
    rowKey: OPERATION_PREFIX + state.id,
    type: state.type,
    status: state.status,
    checkpoint,
    createdTime: state.createdTime,
    lastUpdatedTime: state.lastUpdatedTime,
    percentComplete: state.percentComplete,
    resources: JSON.stringify(state.resources),
    ...(results === undefined ? {} : { results }),
  };
}

function fromEntity(entity: TableEntityResult<OperationEntity>): StoredOperation {
  const state: OperationState<unknown> = {
    id: entity.rowKey.slice(OPERATION_PREFIX.length),
    type: entity.type as OperationType,
    status: entity.status as OperationStatus,
    checkpoint: JSON.parse(entity.checkpoint) as unknown,
    createdTime: new Date(entity.createdTime),
    lastUpdatedTime: new Date(entity.lastUpdatedTime),
    percentComplete: entity.percentComplete,
    resources: JSON.parse(entity.resources) as string[],
    ...(entity.results === undefined ? {} : { results: JSON.parse(entity.results) as unknown }),
  };
  return {
    state,
    step: entity.step,
    requeues: entity.requeues ?? 0,
    requeuedTime: entity.requeuedTime ? new Date(entity.requeuedTime) : undefined,
    etag: entity.etag,
  };
}
