/**
 * The Workitems table: one entity per workitem (PartitionKey its UID, RowKey `w`) holding its
 * state, its lock and its dataset as JSON in string properties of at most 30,000 characters. One
 * entity is one ETag-guarded write, so every transaction is atomic without a blob (the dataset's
 * cap, MAX_DATASET_CHARS, keeps the entity under Table Storage's 1 MiB).
 */
import type { TableEntityResult } from '@azure/data-tables';
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { PayloadTooLargeError } from '../errors';
import { cutAtCodePoint } from '../search/normalize';
import { table } from '../storage/clients';
import { isStorageStatus } from '../storage/storageErrors';
import { isProcedureStepState } from './procedureStepState';
import type { StoredWorkitem, WorkitemRecord } from './workitemRecord';

export const ROW_KEY = 'w';
/** A string property holds 64 KiB of UTF-16: 32,768 units; stay below. */
const CHUNK_CHARS = 30_000;
const MAX_CHUNKS = 8;
/**
 * The longest stored dataset JSON: 8 properties of 30,000 characters (480 KB of entity at most),
 * less one character per property, as a cut never splits a surrogate pair.
 */
export const MAX_DATASET_CHARS = (CHUNK_CHARS - 1) * MAX_CHUNKS;

/** Another request wrote the workitem between our read and our write (HTTP 412 from storage). */
export class ConcurrentWorkitemChange extends Error {}
/** The UID is taken (HTTP 409 from storage). */
export class WorkitemExists extends Error {}

export interface WorkitemEntity {
  partitionKey: string;
  rowKey: string;
  State: string;
  TransactionUid: string;
  Chunks: number;
  [chunk: `D${number}`]: string;
}

/** Undefined when there is no such workitem (or its entity is not one this code wrote). */
export async function readWorkitem(uid: string): Promise<StoredWorkitem | undefined> {
  let entity: TableEntityResult<Record<string, unknown>>;
  try {
    entity = await table('workitems').getEntity<Record<string, unknown>>(uid, ROW_KEY);
  } catch (error) {
    if (isStorageStatus(error, 404)) return undefined;
    throw error;
  }
  const record = recordOf(uid, entity);
  return record && entity.etag ? { record, etag: entity.etag } : undefined;
}

export function recordOf(uid: string, entity: Record<string, unknown>): WorkitemRecord | undefined {
  const state = entity.State;
  const chunks = Number(entity.Chunks);
  if (!isProcedureStepState(state) || !Number.isSafeInteger(chunks) || chunks < 1 || chunks > MAX_CHUNKS) {
    return undefined;
  }
  let json = '';
  for (let i = 0; i < chunks; i++) {
    const part = entity[`D${i}`];
    if (typeof part !== 'string') return undefined;
    json += part;
  }
  let dataset: unknown;
  try {
    dataset = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof dataset !== 'object' || dataset === null) return undefined;
  const transactionUid =
    typeof entity.TransactionUid === 'string' && entity.TransactionUid ? entity.TransactionUid : undefined;
  return { uid, state, transactionUid, dataset: dataset as DicomJsonDataset };
}

/** Creates the entity (entityOf a record); WorkitemExists when its UID is taken. */
export async function createWorkitemEntity(entity: WorkitemEntity): Promise<void> {
  try {
    await table('workitems').createEntity(entity);
  } catch (error) {
    if (isStorageStatus(error, 409)) throw new WorkitemExists(entity.partitionKey, { cause: error });
    throw error;
  }
}

/** Replaces the workitem if it is still the version read (`etag`); returns the new ETag. */
export async function replaceWorkitemEntity(entity: WorkitemEntity, etag: string): Promise<string> {
  try {
    const response = await table('workitems').updateEntity(entity, 'Replace', { etag });
    return response.etag ?? '';
  } catch (error) {
    if (isStorageStatus(error, 412, 404)) {
      throw new ConcurrentWorkitemChange(entity.partitionKey, { cause: error });
    }
    throw error;
  }
}

/** The entity of a record; 413 when its dataset is over MAX_DATASET_CHARS. */
export function entityOf(record: WorkitemRecord): WorkitemEntity {
  const json = JSON.stringify(record.dataset);
  if (json.length > MAX_DATASET_CHARS) {
    throw new PayloadTooLargeError(
      `A workitem's dataset may take at most ${MAX_DATASET_CHARS} characters of DICOM JSON; this one would take ${json.length}.`,
    );
  }
  const entity: WorkitemEntity = {
    partitionKey: record.uid,
    rowKey: ROW_KEY,
    State: record.state,
    TransactionUid: record.transactionUid ?? '',
    Chunks: 0,
  };
  let start = 0;
  do {
    const head = cutAtCodePoint(json.slice(start), CHUNK_CHARS);
    entity[`D${entity.Chunks}`] = head;
    entity.Chunks += 1;
    start += head.length;
  } while (start < json.length);
  return entity;
}
