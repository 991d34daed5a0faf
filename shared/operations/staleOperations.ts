/**
 * Operations whose step message was lost (a crash between saving a checkpoint and enqueuing the
 * next step, or a message that sits invisible after its runner died) get a new message for their
 * current step. Only the active index is read, never the whole table (docs/operations.md).
 */
import { enqueueStep } from './operationQueue';
import { ACTIVE_SCAN_LIMIT, failOperation, type OperationLog } from './operationRunner';
import { listActive, readOperation, removeActive, saveOperation } from './operationStore';
import { isTerminal } from './operationTypes';

/** A running operation with no saved step for this long gets a new message (a step takes seconds). */
export const STALE_AFTER_MS = 60_000;
/** Re-enqueues without a saved step in between before the operation fails (a step that kills its runner). */
export const MAX_REQUEUES = 5;

export interface RequeueResult {
  readonly examined: number;
  readonly requeued: number;
  readonly failed: number;
  readonly cleaned: number;
}

/**
 * Re-enqueues the current step of every active operation idle for `staleAfterMs` (0: all of them,
 * as at start-up); duplicates are harmless, the runner drops a message for a step already run.
 */
export async function requeueStaleOperations(
  staleAfterMs: number,
  log: OperationLog,
  now: Date = new Date(),
): Promise<RequeueResult> {
  const active = await listActive(ACTIVE_SCAN_LIMIT);
  let requeued = 0;
  let failed = 0;
  let cleaned = 0;
  for (const { id } of active) {
    const stored = await readOperation(id);
    if (!stored || isTerminal(stored.state.status)) {
      await removeActive(id);
      cleaned++;
      continue;
    }
    const lastActivity = Math.max(stored.state.lastUpdatedTime.getTime(), stored.requeuedTime?.getTime() ?? 0);
    if (now.getTime() - lastActivity < staleAfterMs) continue;
    if (stored.requeues >= MAX_REQUEUES) {
      const reason = `The operation failed: it made no progress after ${MAX_REQUEUES} restarts of its current step.`;
      if (await failOperation(stored, reason, log)) failed++;
      continue;
    }
    const claimed = await saveOperation(
      stored.state,
      { step: stored.step, requeues: stored.requeues + 1, requeuedTime: now },
      stored.etag,
    );
    if (!claimed) continue; // it moved on meanwhile
    await enqueueStep({ operationId: id, step: stored.step });
    requeued++;
  }
  return { examined: active.length, requeued, failed, cleaned };
}
