/**
 * The UPS state machine (PS3.4 Table CC.1.1-2), as the Azure DICOM service applies it: each
 * action on each state either moves the workitem, answers a warning (B30x) and changes nothing,
 * or fails with an error code (C3xx). Pure: the callers decide the HTTP answer.
 */
export const STATES = ['SCHEDULED', 'IN PROGRESS', 'COMPLETED', 'CANCELED'] as const;
export type ProcedureStepState = (typeof STATES)[number];

/** What PUT …/state may ask for. */
export const TARGET_STATES = ['IN PROGRESS', 'CANCELED', 'COMPLETED'] as const;
export type TargetState = (typeof TARGET_STATES)[number];

export type Action = TargetState | 'REQUEST CANCEL';

export type Transition =
  | { readonly kind: 'move'; readonly to: ProcedureStepState }
  | { readonly kind: 'warning'; readonly code: 'B304' | 'B306' }
  | { readonly kind: 'error'; readonly code: 'C300' | 'C301' | 'C302' | 'C310' | 'C311' | 'C312' };

export function isProcedureStepState(value: unknown): value is ProcedureStepState {
  return typeof value === 'string' && (STATES as readonly string[]).includes(value);
}

export function isTargetState(value: unknown): value is TargetState {
  return typeof value === 'string' && (TARGET_STATES as readonly string[]).includes(value);
}

/**
 * `uidMatches`: the request's Transaction UID equals the workitem's lock (a SCHEDULED workitem has
 * none; claiming it sets one). Request-cancel carries no Transaction UID.
 */
export function transition(state: ProcedureStepState, action: Action, uidMatches: boolean): Transition {
  if (action === 'REQUEST CANCEL') return requestCancel(state);
  if (state === 'SCHEDULED') {
    // Only a claim may leave SCHEDULED; completing or canceling an unclaimed step is C310.
    return action === 'IN PROGRESS' ? { kind: 'move', to: 'IN PROGRESS' } : { kind: 'error', code: 'C310' };
  }
  if (!uidMatches) return { kind: 'error', code: 'C301' };
  if (state === 'IN PROGRESS') {
    return action === 'IN PROGRESS' ? { kind: 'error', code: 'C302' } : { kind: 'move', to: action };
  }
  if (state === 'COMPLETED') return action === 'COMPLETED' ? { kind: 'warning', code: 'B306' } : error('C300');
  return action === 'CANCELED' ? { kind: 'warning', code: 'B304' } : error('C300');
}

function requestCancel(state: ProcedureStepState): Transition {
  switch (state) {
    case 'SCHEDULED':
      return { kind: 'move', to: 'CANCELED' };
    case 'IN PROGRESS':
      // The owner would have to be told; no notification channel exists (as in Azure).
      return error('C312');
    case 'COMPLETED':
      return error('C311');
    case 'CANCELED':
      return { kind: 'warning', code: 'B304' };
  }
}

function error(code: 'C300' | 'C311' | 'C312'): Transition {
  return { kind: 'error', code };
}
