/**
 * The throughput ceiling on Azure Storage, computed from the storage calls each operation makes
 * (bench/storageCalls.ts) and the account's published scalability targets. Pure, so the
 * arithmetic is tested; bench/scaleModel.ts turns a bench run into docs/scale.md.
 */
import type { OperationCalls } from './storageCalls';

/**
 * Azure Storage scalability targets for a standard general-purpose v2 account (Microsoft Learn:
 * "Scalability and performance targets for standard storage accounts", "... for Table storage",
 * "... for Blob storage"; also ../shared/azure-notes.md). Regions and account types differ; these
 * are the defaults a new account gets.
 */
export const AZURE_TARGETS = {
  /** Requests per second per storage account (all services together). */
  accountRequestsPerSecond: 20_000,
  /** Entities per second per table partition (a batch counts each of its entities). */
  partitionEntitiesPerSecond: 2_000,
  /** Requests per second per blob. */
  blobRequestsPerSecond: 500,
} as const;

export type PartitionClass = 'global' | 'sharded' | 'index' | 'object';

/** Fixed-key partitions spread over shards by a hash of the study: `~pending-00` to `~pending-0f`. */
const SHARDED_PARTITION = /^(.*\/~pending)-[0-9a-f]{2}$/;
const PENDING_SHARDS = 16;

/**
 * What a partition is keyed by, which decides how many requests share it:
 * - `object`: a study, series or instance UID (shared only by requests about that object);
 * - `index`: a search value and shard (shared by every object with that value);
 * - `sharded`: one of a fixed set of keys picked by a hash of the study (the pending markers'
 *   `~pending-00` to `~pending-0f`), each shared by a sixteenth of the requests of the kind;
 * - `global`: a fixed key (`feed`; `~pending` of earlier releases), shared by every request of the kind.
 */
export function partitionClass(tableAndPartition: string): PartitionClass {
  const slash = tableAndPartition.indexOf('/');
  const table = tableAndPartition.slice(0, slash);
  const partition = tableAndPartition.slice(slash + 1);
  if (/\d+\.\d+\.\d+/.test(partition)) return 'object';
  if (/Ix[A-Z]/.test(table)) return 'index';
  if (SHARDED_PARTITION.test(tableAndPartition)) return 'sharded';
  return 'global';
}

/**
 * Entity writes per fixed-key partition under load from many studies: a global partition takes
 * all of its writes, each shard of a sharded one a sixteenth (keyed by the shard set's name).
 */
export function fixedPartitionWrites(partitionWrites: Record<string, number>, scale: number): Record<string, number> {
  const writes: Record<string, number> = {};
  for (const [partition, count] of Object.entries(partitionWrites)) {
    const kind = partitionClass(partition);
    if (kind === 'global') writes[partition] = (writes[partition] ?? 0) + count * scale;
    if (kind === 'sharded') {
      const name = `${SHARDED_PARTITION.exec(partition)?.[1] ?? partition}-* (each of ${PENDING_SHARDS})`;
      writes[name] = (writes[name] ?? 0) + (count * scale) / PENDING_SHARDS;
    }
  }
  return writes;
}

export interface OperationCeiling {
  readonly operation: string;
  readonly perLabel: string;
  readonly callsPer: number;
  readonly entityWritesPer: number;
  /** Operations per second the account's request target allows. */
  readonly byAccountRequests: number;
  /** The busiest fixed-key partition and its entity writes per operation, if any. */
  readonly globalPartition: string | undefined;
  readonly globalWritesPer: number;
  /** Operations per second that partition's entity target allows (Infinity when there is none). */
  readonly byGlobalPartition: number;
  /** The lower of the two, and which one it is. */
  readonly ceiling: number;
  readonly binding: string;
  /**
   * Operations per second one Functions worker process can serve before its CPU is the limit: the
   * app's JavaScript runs on one thread, so a second of CPU a second (undefined when not measured).
   */
  readonly perWorker: number | undefined;
}

export function operationCeiling(row: OperationCalls): OperationCeiling {
  const callsPer = row.calls / row.per;
  const entityWritesPer = row.entityWrites / row.per;
  let globalPartition: string | undefined;
  let globalWritesPer = 0;
  for (const [partition, writes] of Object.entries(fixedPartitionWrites(row.partitionWrites, 1 / row.per))) {
    if (writes > globalWritesPer) {
      globalPartition = partition;
      globalWritesPer = writes;
    }
  }
  const byAccountRequests = callsPer > 0 ? AZURE_TARGETS.accountRequestsPerSecond / callsPer : Infinity;
  const byGlobalPartition = globalWritesPer > 0 ? AZURE_TARGETS.partitionEntitiesPerSecond / globalWritesPer : Infinity;
  const partitionBinds = byGlobalPartition < byAccountRequests;
  return {
    operation: row.operation,
    perLabel: row.perLabel,
    callsPer,
    entityWritesPer,
    byAccountRequests,
    globalPartition,
    globalWritesPer,
    byGlobalPartition,
    ceiling: Math.min(byAccountRequests, byGlobalPartition),
    binding: partitionBinds ? `partition ${globalPartition ?? ''}` : 'account requests',
    perWorker: row.cpuMs ? 1000 / (row.cpuMs / row.per) : undefined,
  };
}

export interface MixShare {
  /** The operation's label in the bench output. */
  readonly operation: string;
  readonly share: number;
}

export interface MixCeiling {
  readonly callsPerOperation: number;
  /** CPU milliseconds per operation, when every operation of the mix was measured. */
  readonly cpuMsPerOperation: number | undefined;
  /** Entity writes per operation into each fixed-key partition. */
  readonly globalWritesPerOperation: Record<string, number>;
  readonly ceiling: number;
  readonly binding: string;
}

/** The sustained rate of a weighted mix: every share's calls and fixed-partition writes together. */
export function mixCeiling(rows: readonly OperationCalls[], mix: readonly MixShare[]): MixCeiling {
  let calls = 0;
  let cpuMs: number | undefined = 0;
  const globalWrites: Record<string, number> = {};
  for (const { operation, share } of mix) {
    const row = rows.find((r) => r.operation === operation);
    if (!row) throw new Error(`the bench output has no operation "${operation}"`);
    calls += (share * row.calls) / row.per;
    cpuMs = row.cpuMs === undefined || cpuMs === undefined ? undefined : cpuMs + (share * row.cpuMs) / row.per;
    for (const [partition, writes] of Object.entries(fixedPartitionWrites(row.partitionWrites, share / row.per))) {
      globalWrites[partition] = (globalWrites[partition] ?? 0) + writes;
    }
  }
  let ceiling = calls > 0 ? AZURE_TARGETS.accountRequestsPerSecond / calls : Infinity;
  let binding = 'account requests';
  for (const [partition, writes] of Object.entries(globalWrites)) {
    const limit = AZURE_TARGETS.partitionEntitiesPerSecond / writes;
    if (limit < ceiling) {
      ceiling = limit;
      binding = `partition ${partition}`;
    }
  }
  return {
    callsPerOperation: calls,
    cpuMsPerOperation: cpuMs,
    globalWritesPerOperation: globalWrites,
    ceiling,
    binding,
  };
}
