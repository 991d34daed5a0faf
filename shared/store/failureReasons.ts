/** STOW-RS failure reasons (PS3.18 table I.2-1 and the Azure DICOM service's own codes). */
export const FailureReason = {
  /** General processing failure: the instance could not be stored for a reason of ours. */
  ProcessingFailure: 272,
  /** The instance failed validation (not DICOM, truncated, required attribute invalid). */
  ValidationFailed: 43264,
  /** The instance's StudyInstanceUID differs from the one in the request path. */
  StudyInstanceUidMismatch: 43265,
  /** An instance with the same study, series and SOP instance UIDs is already stored. */
  InstanceAlreadyExists: 45070,
  /** The same instance is being stored (or deleted) by another request right now. */
  InstanceBeingProcessed: 45071,
} as const;
export type FailureReasonCode = (typeof FailureReason)[keyof typeof FailureReason];

/** STOW-RS warning reasons. */
export const WarningReason = {
  /** Stored, but some attributes failed validation (API v2 stores with warnings). */
  ValidationWarnings: 1,
} as const;
