/**
 * STAND-IN until the operations framework (branch wt-ops) is merged: same exported interface
 * (/tmp/ops-interface.md), but steps run in-process, one after the other, and running
 * operations resume when a worker loads. The merge replaces this file with the real runner.
 */
import { randomUUID } from 'node:crypto';
import { odata } from '@azure/data-tables';
import { tableNamed } from '../storage/clients';
import { getEntityIfExists } from '../storage/entityReads';
import { ensureStorage } from '../storage/provision';
import type { OperationHandler, OperationState, OperationType } from './operationTypes';

const TABLE = 'Operations';
const PARTITION = 'operations';
const handlers = new Map<string, OperationHandler<unknown>>();
const running = new Set<string>();

interface OperationEntity {
  partitionKey: string;
  rowKey: string;
  Type: string;
  Status: string;
  Checkpoint: string;
  CreatedTime: Date;
  LastUpdatedTime: Date;
  PercentComplete: number;
  Resources: string;
  Results?: string;
}

function operations() {
  return tableNamed(TABLE);
}

function stateOf(e: OperationEntity): OperationState<unknown> {
  return {
    id: e.rowKey,
    type: e.Type as OperationType,
    status: e.Status as OperationState<unknown>['status'],
    checkpoint: JSON.parse(e.Checkpoint) as unknown,
    createdTime: new Date(e.CreatedTime),
    lastUpdatedTime: new Date(e.LastUpdatedTime),
    percentComplete: e.PercentComplete,
    resources: JSON.parse(e.Resources) as string[],
    ...(e.Results !== undefined ? { results: JSON.parse(e.Results) as unknown } : {}),
  };
}

export function registerOperationHandler<C>(handler: OperationHandler<C>): void {
  handlers.set(handler.type, handler);
  resumeSoon();
}

let resumed = false;
function resumeSoon(): void {
  if (resumed || process.env.DICOM_STORAGE_CONNECTION_STRING === undefined) return;
  resumed = true;
  setTimeout(() => {
    void (async () => {
      try {
        await ensureStorage();
        await operations().createTable();
        const rows = operations().listEntities<OperationEntity>({
          queryOptions: { filter: odata`Status eq 'running' or Status eq 'notStarted'` },
        });
        for await (const row of rows) run(row.rowKey);
      } catch (error) {
        console.warn(`Operations not resumed: ${String(error)}`);
        resumed = false;
      }
    })();
  }, 500).unref();
}

export async function startOperation<C>(
  type: OperationType,
  checkpoint: C,
  resources: readonly string[],
): Promise<OperationState<C>> {
  await operations().createTable();
  const now = new Date();
  const entity: OperationEntity = {
    partitionKey: PARTITION,
    rowKey: randomUUID().replace(/-/g, ''),
    Type: type,
    Status: 'notStarted',
    Checkpoint: JSON.stringify(checkpoint),
    CreatedTime: now,
    LastUpdatedTime: now,
    PercentComplete: 0,
    Resources: JSON.stringify(resources),
  };
  await operations().createEntity(entity);
  run(entity.rowKey);
  return stateOf(entity) as OperationState<C>;
}

export async function getOperation(id: string): Promise<OperationState<unknown> | undefined> {
  await operations().createTable();
  const row = await getEntityIfExists<OperationEntity>(operations(), PARTITION, id);
  return row && stateOf(row);
}

export async function findActiveOperation(type: OperationType): Promise<OperationState<unknown> | undefined> {
  await operations().createTable();
  const rows = operations().listEntities<OperationEntity>({
    queryOptions: { filter: odata`Type eq ${type} and (Status eq 'running' or Status eq 'notStarted')` },
  });
  let newest: OperationState<unknown> | undefined;
  for await (const row of rows) {
    const state = stateOf(row);
    if (!newest || state.createdTime > newest.createdTime) newest = state;
  }
  return newest;
}

function run(id: string): void {
  if (running.has(id)) return;
  running.add(id);
  void loop(id)
    .catch((error: unknown) => console.warn(`Operation ${id} stopped: ${String(error)}`))
    .finally(() => running.delete(id));
}

async function loop(id: string): Promise<void> {
  for (;;) {
    const row = await getEntityIfExists<OperationEntity>(operations(), PARTITION, id);
    if (!row || (row.Status !== 'running' && row.Status !== 'notStarted')) return;
    const handler = handlers.get(row.Type);
    if (!handler) return;
    const state = stateOf(row);
    const result = await handler.step(state);
    const status = result.failure !== undefined ? 'failed' : result.done ? 'succeeded' : 'running';
    await operations().updateEntity(
      {
        partitionKey: PARTITION,
        rowKey: id,
        Status: status,
        Checkpoint: JSON.stringify(result.checkpoint),
        LastUpdatedTime: new Date(),
        PercentComplete: result.done ? 100 : result.percentComplete,
        ...(result.failure !== undefined ? { Results: JSON.stringify({ error: result.failure }) } : {}),
      },
      'Merge',
      { etag: row.etag },
    );
    if (status !== 'running') {
      await handler.finish?.({ ...state, status });
      return;
    }
  }
}
