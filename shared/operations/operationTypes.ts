/**
 * The long-running operations contract (docs/operations.md): handlers code against these types,
 * shared/operations/operationRunner.ts runs them one bounded step per queue message.
 */

/** Public types appear in GET /v{n}/operations/{id}; internal ones (e.g. 'internal:tagIndexDelete') answer 404 there. */
export type OperationType = 'reindex' | 'export' | 'update' | `internal:${string}`;
export type OperationStatus = 'notStarted' | 'running' | 'succeeded' | 'failed' | 'canceled';

export interface OperationState<C> {
  /** 32 lowercase hex (GUID "N" form). */
  readonly id: string;
  readonly type: OperationType;
  readonly status: OperationStatus;
  /** JSON-serializable, small (< 32 KiB). */
  readonly checkpoint: C;
  readonly createdTime: Date;
  readonly lastUpdatedTime: Date;
  readonly percentComplete: number;
  /**
   * Paths below the API version, e.g. "extendedquerytags/00101010"; made absolute with the
   * request's base URL when answered.
   */
  readonly resources: readonly string[];
  readonly results?: unknown;
}

export interface OperationStepResult<C> {
  /** Saved (ETag-guarded) before the next step is scheduled. */
  readonly checkpoint: C;
  /** Derived from the checkpoint, never incremented, so a re-run step cannot double-count. */
  readonly percentComplete: number;
  readonly done: boolean;
  /** Terminal: status 'failed' with this message in results. */
  readonly failure?: string;
  readonly results?: unknown;
}

export interface OperationHandler<C> {
  readonly type: OperationType;
  /**
   * One bounded unit of work (seconds, bounded memory). It may run again from the same checkpoint
   * after a crash, or concurrently with a stale runner, so it must be idempotent.
   */
  step(operation: OperationState<C>): Promise<OperationStepResult<C>>;
  /** Once the operation is terminal (may run more than once after a crash: idempotent). */
  finish?(operation: OperationState<C>): Promise<void>;
}

/** Terminal statuses: no step runs again. */
export const TERMINAL_STATUSES: readonly OperationStatus[] = ['succeeded', 'failed', 'canceled'];

export function isTerminal(status: OperationStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Internal types never show in the public API. */
export function isInternalType(type: OperationType): boolean {
  return type.startsWith('internal:');
}
