/**
 * Publishes the change feed as DICOM events (docs/lifecycle.md). The change feed is the outbox: it
 * holds exactly the committed changes, numbered, so the publisher tails it from a checkpoint,
 * sends a batch, and only then advances the checkpoint. A crash between the send and the advance
 * sends the batch again (at least once, same event ids); a change that did not commit is never in
 * the feed, so never published. One publisher runs at a time (the checkpoint's lease).
 *
 * A create or update whose instance is not visible yet (committed, its entity swap a moment away,
 * or left to recovery by a crash) holds the publisher back at that entry, so that an event never
 * reaches a subscriber before the instance it names can be retrieved.
 */
import { hostname } from 'node:os';
import { odata } from '@azure/data-tables';
import { randomBytes } from 'node:crypto';
import { readRange, type FeedRow } from '../changefeed/changeFeedReader';
import { inPartitionNamed } from '../partitions/partitionRegistry';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { pauseAt } from '../diagnostics/localPause';
import { table } from '../storage/clients';
import { instanceRowKey } from '../storage/instanceRecords';
import { eventOf, type EventSource } from './eventGridEvent';
import type { EventSink, OutgoingEvent } from './eventSinks';
import { acquire, advance, release, type Checkpoint } from './publisherCheckpoint';
import { Tag } from '../dicom/tags';
import { startBackgroundSpan } from '../telemetry/tracing';

/** Entries read and sent per round. */
const BATCH = 200;
/** Renewed by every batch (a batch takes about a second); a crashed publisher's lease ends this soon. */
const LEASE_MS = 15_000;
const LOOKUP_CONCURRENCY = 16;
/**
 * A nudge waits this long before the run starts: the commit that nudged is made visible in the
 * meantime (else the run would find it not visible yet and come back), and a burst shares one run.
 */
const NUDGE_DELAY_MS = 100;
/** An idle publisher keeps its lease this long (no acquire per run), then releases it for the others. */
const LINGER_MS = 2000;
/** A lease with less than this left is renewed before a run. */
const MIN_LEASE_LEFT_MS = 5000;
/** How soon to look again at an entry whose instance is not visible yet, at first and at most. */
const NOT_VISIBLE_RETRY_MS = [100, 2000] as const;

/** A run's span (its own trace): the change-feed reads, the sends, the checkpoint (docs/observability.md). */
const PUBLISH_SPAN = 'publish DICOM events';

export interface RunResult {
  readonly published: number;
  /** Set when the run stopped early: look again after this long. */
  readonly retryAfterMs?: number;
}

interface InstanceColumns {
  State?: string;
  Version?: string;
  ReplacingVersion?: string;
  QidoAttributes?: string;
}

export class EventPublisher {
  private readonly owner = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private running: Promise<RunResult> | undefined;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  private notVisibleDelay: number = NOT_VISIBLE_RETRY_MS[0];
  private nudged: NodeJS.Timeout | undefined;
  /** The checkpoint while this publisher holds the lease, and when the lease ends. */
  private held: { checkpoint: Checkpoint; until: number } | undefined;
  private linger: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: EventSink,
    private readonly source: EventSource,
    private readonly log: (message: string) => void,
  ) {}

  /** Something was committed: publish soon. Calls during a run share one follow-up run. */
  nudge(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.nudged ??= setTimeout(() => {
      this.nudged = undefined;
      if (this.running) this.again = true;
      else void this.start();
    }, NUDGE_DELAY_MS);
  }

  /** One run now (the timer's safety net), or the one in progress. */
  runOnce(): Promise<RunResult> {
    return this.running ?? this.start();
  }

  private start(): Promise<RunResult> {
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    const run = startBackgroundSpan(PUBLISH_SPAN, () => this.run()).catch((error: unknown): RunResult => {
      this.log(`Event publishing failed, will retry: ${String(error)}`);
      return { published: 0, retryAfterMs: 5000 };
    });
    this.running = run;
    void run.then((result) => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.nudge();
      } else if (result.retryAfterMs !== undefined) {
        this.retry = setTimeout(() => this.nudge(), result.retryAfterMs);
        this.retry.unref();
      }
    });
    return run;
  }

  private async run(): Promise<RunResult> {
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    let checkpoint: Checkpoint;
    if (this.held && this.held.until - Date.now() > MIN_LEASE_LEFT_MS) checkpoint = this.held.checkpoint;
    else {
      const acquired = await acquire(this.owner, leaseEnd());
      if ('heldUntil' in acquired) {
        this.held = undefined;
        // Another publisher runs; it releases when idle: look again soon, at the latest when its lease ends.
        return { published: 0, retryAfterMs: Math.max(100, Math.min(1000, acquired.heldUntil.getTime() - Date.now())) };
      }
      checkpoint = acquired;
      this.held = { checkpoint, until: Date.now() + LEASE_MS };
    }
    let published = 0;
    let failed = true;
    try {
      for (;;) {
        const rows = await readRange(checkpoint.last, BATCH);
        if (rows.length === 0) {
          failed = false;
          return { published };
        }
        const ready = await this.publishable(rows);
        if (ready.length > 0) {
          await pauseAt('events-before-publish');
          await this.sink(ready);
          const last = ready.at(-1)?.event.data.sequenceNumber ?? checkpoint.last;
          checkpoint = await advance(checkpoint, last, leaseEnd());
          this.held = { checkpoint, until: Date.now() + LEASE_MS };
          published += ready.length;
        }
        if (ready.length < rows.length) {
          const retryAfterMs = this.notVisibleDelay;
          this.notVisibleDelay = Math.min(this.notVisibleDelay * 2, NOT_VISIBLE_RETRY_MS[1]);
          failed = false;
          return { published, retryAfterMs };
        }
        this.notVisibleDelay = NOT_VISIBLE_RETRY_MS[0];
      }
    } finally {
      if (failed) {
        // A lost lease (412) or a failed send: the next run starts from what storage says.
        this.held = undefined;
        await release(checkpoint).catch(() => undefined);
      } else {
        this.linger = setTimeout(() => void this.letGo(), LINGER_MS);
        this.linger.unref();
      }
    }
  }

  /** Idle for a while: releases the lease so that another instance's publisher can start at once. */
  private async letGo(): Promise<void> {
    const held = this.held;
    if (this.running || !held) return;
    this.held = undefined;
    await release(held.checkpoint).catch(() => undefined);
  }

  /** The events of the leading entries that may go out now: up to the first whose instance is not visible yet. */
  private async publishable(rows: readonly FeedRow[]): Promise<OutgoingEvent[]> {
    const instances = await readInstances(rows);
    const ready: OutgoingEvent[] = [];
    for (const row of rows) {
      const found = row.action === 'delete' ? undefined : judge(row, instances.get(instanceId(row)));
      if (found === 'pending') break;
      const event = eventOf(row, this.source);
      ready.push({
        event,
        subject: {
          eventType: event.eventType,
          partitionName: event.data.partitionName,
          modalities: found?.modalities,
        },
      });
    }
    return ready;
  }
}

/** Azure Tables evaluates at most 15 comparisons per filter: the study and 14 instances. */
const ROWS_PER_QUERY = 14;

/** Partition, study and RowKey: the same UIDs may live in two data partitions. */
function instanceId(row: FeedRow): string {
  return `${row.partitionName}/${row.studyInstanceUid}/${instanceRowKey(row)}`;
}

/**
 * The instance entities the creates and updates name, a query per study and 14 instances (a
 * commit group of 50 instances of one study is 4 reads, not 50); deletes need none.
 */
async function readInstances(rows: readonly FeedRow[]): Promise<Map<string, InstanceColumns & { rowKey?: string }>> {
  const byStudy = new Map<string, { partition: string; study: string; keys: Set<string> }>();
  for (const row of rows) {
    if (row.action === 'delete') continue;
    const id = `${row.partitionName}/${row.studyInstanceUid}`;
    const group = byStudy.get(id) ?? { partition: row.partitionName, study: row.studyInstanceUid, keys: new Set() };
    group.keys.add(instanceRowKey(row));
    byStudy.set(id, group);
  }
  const queries: { partition: string; study: string; rowKeys: string[] }[] = [];
  for (const { partition, study, keys } of byStudy.values()) {
    const all = [...keys];
    for (let i = 0; i < all.length; i += ROWS_PER_QUERY)
      queries.push({ partition, study, rowKeys: all.slice(i, i + ROWS_PER_QUERY) });
  }
  const found = new Map<string, InstanceColumns & { rowKey?: string }>();
  await mapConcurrently(queries, LOOKUP_CONCURRENCY, ({ partition, study, rowKeys }) =>
    // The instance table of the entry's data partition (docs/partitions.md).
    inPartitionNamed(partition, async () => {
      const filter = `${odata`PartitionKey eq ${study}`} and (${rowKeys.map((rk) => odata`RowKey eq ${rk}`).join(' or ')})`;
      const entities = table('instances').listEntities<InstanceColumns>({
        queryOptions: { filter, select: ['RowKey', 'State', 'Version', 'ReplacingVersion', 'QidoAttributes'] },
      });
      for await (const entity of entities) found.set(`${partition}/${study}/${entity.rowKey ?? ''}`, entity);
    }),
  );
  return found;
}

/**
 * For a create or update: `pending` while its version is committed but not yet the visible one;
 * the instance's modalities when it is visible at that version; undefined when it has moved on
 * (replaced or deleted since).
 */
function judge(row: FeedRow, entity: InstanceColumns | undefined): 'pending' | { modalities: string[] } | undefined {
  if (!entity) return undefined;
  if (entity.State === 'creating' && entity.Version === row.version) return 'pending';
  if (entity.State === 'created' && entity.ReplacingVersion === row.version) return 'pending';
  if (entity.State !== 'created' || entity.Version !== row.version) return undefined;
  return { modalities: modalitiesOf(entity.QidoAttributes) };
}

function modalitiesOf(qidoAttributes: string | undefined): string[] {
  if (!qidoAttributes) return [];
  try {
    const parsed = JSON.parse(qidoAttributes) as Record<string, { Value?: unknown[] } | undefined>;
    return (parsed[Tag.Modality]?.Value ?? []).filter((v): v is string => typeof v === 'string');
  } catch {
    return [];
  }
}

function leaseEnd(): Date {
  return new Date(Date.now() + LEASE_MS);
}
