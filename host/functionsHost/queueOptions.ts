import { availableParallelism } from 'node:os';

/**
 * host.json `extensions.queues`, as the Storage Queues extension reads it (azure-sdk-for-net
 * sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Common/src/Shared/Queues/QueuesOptions.cs
 * and QueuePollingIntervals.cs): the defaults, limits and derived values below come from there.
 */
export interface QueuesOptions {
  /** Messages fetched per poll, 1–32; default 16. */
  readonly batchSize: number;
  /** A new batch is fetched once no more than this many are still running; default batchSize/2 × processors. */
  readonly newBatchThreshold: number;
  /** The longest wait between polls of an empty queue; default 1 minute, at least 100 ms. */
  readonly maxPollingIntervalMs: number;
  /** How long a failed message stays invisible before its next attempt; default 0. */
  readonly visibilityTimeoutMs: number;
  /** Attempts before a message moves to `{queue}-poison`; default 5, at least 1. */
  readonly maxDequeueCount: number;
  /** How message text is encoded on the wire; default base64. */
  readonly messageEncoding: 'base64' | 'none';
}

/** QueuePollingIntervals.Minimum: the first back-off delay and the floor of maxPollingInterval. */
export const MIN_POLLING_INTERVAL_MS = 100;
/** QueuesOptions.MaxBatchSize: Azure Queues return at most 32 messages per request. */
export const MAX_BATCH_SIZE = 32;

/** host.json holds invalid queue settings; the real host would fail to start too. */
export class QueuesOptionsError extends Error {}

/**
 * The options from host.json's `extensions.queues` object (absent: every default). Keys are read
 * case-insensitively, as .NET configuration binding does; TimeSpans are `[d.]hh:mm:ss[.fff]`.
 */
export function queuesOptionsFrom(section: unknown, processorCount = availableParallelism()): QueuesOptions {
  const values = new Map<string, unknown>();
  if (section !== undefined && section !== null) {
    if (typeof section !== 'object' || Array.isArray(section))
      throw new QueuesOptionsError('extensions.queues must be an object.');
    for (const [key, value] of Object.entries(section)) values.set(key.toLowerCase(), value);
  }
  const batchSize = integer(values.get('batchsize'), 'batchSize', 16);
  if (batchSize < 1 || batchSize > MAX_BATCH_SIZE)
    throw new QueuesOptionsError(`batchSize must be 1 to ${MAX_BATCH_SIZE}.`);
  const threshold = values.get('newbatchthreshold');
  const newBatchThreshold =
    threshold === undefined ? Math.floor(batchSize / 2) * processorCount : integer(threshold, 'newBatchThreshold', 0);
  if (newBatchThreshold < 0) throw new QueuesOptionsError('newBatchThreshold must not be negative.');
  const maxPollingIntervalMs = timeSpan(values.get('maxpollinginterval'), 'maxPollingInterval', 60_000);
  if (maxPollingIntervalMs < MIN_POLLING_INTERVAL_MS) {
    throw new QueuesOptionsError(`maxPollingInterval must not be less than ${MIN_POLLING_INTERVAL_MS} ms.`);
  }
  const visibilityTimeoutMs = timeSpan(values.get('visibilitytimeout'), 'visibilityTimeout', 0);
  const maxDequeueCount = integer(values.get('maxdequeuecount'), 'maxDequeueCount', 5);
  if (maxDequeueCount < 1) throw new QueuesOptionsError('maxDequeueCount must not be less than 1.');
  const encoding = values.get('messageencoding') ?? 'base64';
  if (typeof encoding !== 'string' || !['base64', 'none'].includes(encoding.toLowerCase())) {
    throw new QueuesOptionsError('messageEncoding must be "base64" or "none".');
  }
  return {
    batchSize,
    newBatchThreshold,
    maxPollingIntervalMs,
    visibilityTimeoutMs,
    maxDequeueCount,
    messageEncoding: encoding.toLowerCase() as 'base64' | 'none',
  };
}

function integer(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number))
    throw new QueuesOptionsError(`${name} must be an integer.`);
  return number;
}

/** A .NET TimeSpan in its invariant form, `[-][d.]hh:mm:ss[.fffffff]`, in milliseconds. */
export function timeSpanMs(text: string): number | undefined {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  const ms = Math.round(Number(`0.${fraction || '0'}`) * 1000);
  return (((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + ms;
}

function timeSpan(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' ? timeSpanMs(value) : undefined;
  if (ms === undefined) throw new QueuesOptionsError(`${name} must be a TimeSpan such as "00:00:02".`);
  return ms;
}
