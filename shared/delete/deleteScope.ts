import type { InstanceKey } from '../storage/blobLayout';

/** What a DELETE addresses: a study, a series of it, or one instance of that series. */
export interface DeleteScope {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid?: string;
  readonly sopInstanceUid?: string;
}

/** A visible instance found by a delete: its key, the version to delete, and the ETag it was read with. */
export interface DeleteCandidate {
  readonly key: InstanceKey;
  readonly version: string;
  readonly etag: string;
  /** The original version a bulk update kept (docs/bulk-update.md): deleted too. */
  readonly originalVersion?: string;
}

/** An instance this delete has hidden (`deleting`), with the ETag of that write. */
export interface HiddenInstance {
  readonly key: InstanceKey;
  readonly version: string;
  readonly etag: string;
  readonly originalVersion?: string;
}
