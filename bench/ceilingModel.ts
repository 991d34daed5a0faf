/**
 * The throughput ceiling on Azure Storage, computed from the storage calls each operation makes
 * (bench/storageCalls.ts) and the account's published scalability targets. Pure, so the
 * arithmetic is tested; bench/scaleModel.ts turns a bench run into docs/scale.md.
 */
import type { OperationCalls } from './storageCalls';

/**
 * Azure Storage scalability targets for a standard general-purpose v2 account (Microsoft Learn:
 * "Scalability and performance targets for standard storage accounts", "... for Table storage",
 * "... for Blob storage", "... for Queue Storage"; also ../shared/azure-notes.md). Regions and
 * account types differ; these are the defaults a new account gets.
 */
export const AZURE_TARGETS = {
  /**
   * Requests per second per storage account: one rate for the account, whatever service a request
   * goes to, so queue calls count here with blob and table calls. (The Queue Storage page states the
   * same account rate as 20,000 messages per second of 1 KiB.)
   */
  accountRequestsPerSecond: 20_000,
  /** Entities per second per table partition (a batch counts each of its entities). */
  partitionEntitiesPerSecond: 2_000,
  /** Requests per second per blob. */
  blobRequestsPerSecond: 500,
  /** Messages per second per queue, of 1 KiB ("Target throughput for a single queue"). */
  queueMessagesPerSecond: 2_000,
} as const;

/**
 * Event Grid's published ingress limit for a custom topic (Microsoft Learn, "Azure Event Grid
 * quotas and limits": publish rate for a custom or partner topic, 5,000 events or 5 MB per second,
 * whichever comes first, per region). Not a storage target: the topic sink's posts leave the account.
 */
export const EVENT_GRID_TOPIC_EVENTS_PER_SECOND = 5_000;

/** Where events go, for the ceiling: as measured (the run's sink), or an Event Grid topic instead of the events queue. */
export type SinkOption = { readonly sink: 'measured' } | { readonly sink: 'topic'; readonly eventsQueue: string };

const MEASURED: SinkOption = { sink: 'measured' };

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
  /** The queue with the most message calls per operation, if any, and those calls. */
  readonly busiestQueue: string | undefined;
  readonly queueMessagesPer: number;
  /** Operations per second that queue's message target allows (Infinity when there is none). */
  readonly byQueue: number;
  /** Event Grid events per operation with the topic sink (0 as measured), and the rate its ingress limit allows. */
  readonly topicEventsPer: number;
  readonly byTopic: number;
  /** The lowest of these, and which one it is. */
  readonly ceiling: number;
  readonly binding: string;
  /**
   * Operations per second one Functions worker process can serve before its CPU is the limit: the
   * app's JavaScript runs on one thread, so a second of CPU a second (undefined when not measured).
   */
  readonly perWorker: number | undefined;
}

/**
 * Queue calls and messages per operation, and the events the topic sink would post, under a sink
 * option: with a topic, the events queue's calls leave the account, and each of its messages is
 * an event posted to the topic instead (the app only sends to that queue).
 */
function queueLoad(
  row: OperationCalls,
  option: SinkOption,
  scale: number,
): { removedCalls: number; messages: Record<string, number>; topicEvents: number } {
  const messages: Record<string, number> = {};
  for (const [queue, count] of Object.entries(row.queueMessages ?? {})) messages[queue] = count * scale;
  if (option.sink === 'measured') return { removedCalls: 0, messages, topicEvents: 0 };
  const topicEvents = messages[option.eventsQueue] ?? 0;
  delete messages[option.eventsQueue];
  return { removedCalls: (row.queueCalls?.[option.eventsQueue] ?? 0) * scale, messages, topicEvents };
}

export function operationCeiling(row: OperationCalls, option: SinkOption = MEASURED): OperationCeiling {
  const load = queueLoad(row, option, 1 / row.per);
  const callsPer = row.calls / row.per - load.removedCalls;
  const entityWritesPer = row.entityWrites / row.per;
  let globalPartition: string | undefined;
  let globalWritesPer = 0;
  for (const [partition, writes] of Object.entries(fixedPartitionWrites(row.partitionWrites, 1 / row.per))) {
    if (writes > globalWritesPer) {
      globalPartition = partition;
      globalWritesPer = writes;
    }
  }
  let busiestQueue: string | undefined;
  let queueMessagesPer = 0;
  for (const [queue, messages] of Object.entries(load.messages)) {
    if (messages > queueMessagesPer) {
      busiestQueue = queue;
      queueMessagesPer = messages;
    }
  }
  const byAccountRequests = callsPer > 0 ? AZURE_TARGETS.accountRequestsPerSecond / callsPer : Infinity;
  const byGlobalPartition = globalWritesPer > 0 ? AZURE_TARGETS.partitionEntitiesPerSecond / globalWritesPer : Infinity;
  const byQueue = queueMessagesPer > 0 ? AZURE_TARGETS.queueMessagesPerSecond / queueMessagesPer : Infinity;
  const byTopic = load.topicEvents > 0 ? EVENT_GRID_TOPIC_EVENTS_PER_SECOND / load.topicEvents : Infinity;
  const { ceiling, binding } = lowest([
    [byAccountRequests, 'account requests'],
    [byGlobalPartition, `partition ${globalPartition ?? ''}`],
    [byQueue, `queue ${busiestQueue ?? ''}`],
    [byTopic, 'Event Grid topic ingress'],
  ]);
  return {
    operation: row.operation,
    perLabel: row.perLabel,
    callsPer,
    entityWritesPer,
    byAccountRequests,
    globalPartition,
    globalWritesPer,
    byGlobalPartition,
    busiestQueue,
    queueMessagesPer,
    byQueue,
    topicEventsPer: load.topicEvents,
    byTopic,
    ceiling,
    binding,
    perWorker: row.cpuMs ? 1000 / (row.cpuMs / row.per) : undefined,
  };
}

/** The lowest rate and what sets it; the first listed wins a tie (the account, when nothing else binds). */
function lowest(limits: readonly (readonly [number, string])[]): { ceiling: number; binding: string } {
  let [ceiling, binding] = limits[0] ?? [Infinity, 'account requests'];
  for (const [rate, name] of limits.slice(1)) {
    if (rate < ceiling) {
      ceiling = rate;
      binding = name;
    }
  }
  return { ceiling, binding };
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
  /** Message calls per operation on each queue; Event Grid events per operation with the topic sink. */
  readonly queueMessagesPerOperation: Record<string, number>;
  readonly topicEventsPerOperation: number;
  readonly ceiling: number;
  readonly binding: string;
}

/** The sustained rate of a weighted mix: every share's calls and fixed-partition writes together. */
export function mixCeiling(
  rows: readonly OperationCalls[],
  mix: readonly MixShare[],
  option: SinkOption = MEASURED,
): MixCeiling {
  let calls = 0;
  let cpuMs: number | undefined = 0;
  let topicEvents = 0;
  const globalWrites: Record<string, number> = {};
  const queueMessages: Record<string, number> = {};
  for (const { operation, share } of mix) {
    const row = rows.find((r) => r.operation === operation);
    if (!row) throw new Error(`the bench output has no operation "${operation}"`);
    const load = queueLoad(row, option, share / row.per);
    calls += (share * row.calls) / row.per - load.removedCalls;
    topicEvents += load.topicEvents;
    for (const [queue, messages] of Object.entries(load.messages)) {
      queueMessages[queue] = (queueMessages[queue] ?? 0) + messages;
    }
    cpuMs = row.cpuMs === undefined || cpuMs === undefined ? undefined : cpuMs + (share * row.cpuMs) / row.per;
    for (const [partition, writes] of Object.entries(fixedPartitionWrites(row.partitionWrites, share / row.per))) {
      globalWrites[partition] = (globalWrites[partition] ?? 0) + writes;
    }
  }
  const { ceiling, binding } = lowest([
    [calls > 0 ? AZURE_TARGETS.accountRequestsPerSecond / calls : Infinity, 'account requests'],
    ...Object.entries(globalWrites).map(
      ([partition, writes]) => [AZURE_TARGETS.partitionEntitiesPerSecond / writes, `partition ${partition}`] as const,
    ),
    ...Object.entries(queueMessages).map(
      ([queue, messages]) => [AZURE_TARGETS.queueMessagesPerSecond / messages, `queue ${queue}`] as const,
    ),
    [topicEvents > 0 ? EVENT_GRID_TOPIC_EVENTS_PER_SECOND / topicEvents : Infinity, 'Event Grid topic ingress'],
  ]);
  return {
    callsPerOperation: calls,
    cpuMsPerOperation: cpuMs,
    globalWritesPerOperation: globalWrites,
    queueMessagesPerOperation: queueMessages,
    topicEventsPerOperation: topicEvents,
    ceiling,
    binding,
  };
}
