/**
 * `msdicom-request-original: true` (Azure, ../shared/azure-api-reference.md §5): retrieve and
 * metadata of a study, series or instance serve each instance's original version, the one a bulk
 * update kept (docs/bulk-update.md); an instance never updated is served as it is.
 */
import type { HttpRequest } from '@azure/functions';
import type { InstanceEntity } from '../storage/instanceRecords';
import type { VisibleInstance } from '../storage/instanceQueries';
import { originalVersionOf } from '../storage/replacementRecords';

export const REQUEST_ORIGINAL_HEADER = 'msdicom-request-original';

/** The column a listing must select for `asOriginal`. */
export const ORIGINAL_COLUMNS: readonly string[] = ['OriginalVersion'];

export function requestsOriginal(request: HttpRequest): boolean {
  return request.headers.get(REQUEST_ORIGINAL_HEADER)?.trim().toLowerCase() === 'true';
}

/**
 * The row as its original version: that version's blobs (its metadata is always in a blob: the
 * update wrote it there), no file size (the entity's is the latest version's).
 */
export function asOriginal(row: VisibleInstance): VisibleInstance {
  const original = originalVersionOf(row as unknown as InstanceEntity);
  if (original === undefined || original === row.Version) return row;
  return { ...row, Version: original, FileSize: undefined, Metadata: undefined, MetadataInBlob: true };
}
