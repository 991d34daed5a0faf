/**
 * ETags of metadata responses (conformance statement, "Retrieve Metadata Cache Validation"):
 * a hash of the level's (RowKey, Version) set. Every store or delete under the level adds,
 * removes or re-versions a row, so it changes the tag; nothing else does.
 */
import { createHash } from 'node:crypto';
import { splitOutsideQuotes } from '../http/mediaType';

export interface VersionedRow {
  readonly rowKey: string;
  readonly Version: string;
}

/** Rows arrive in RowKey order from the table, so the hash needs no sort. Weak: gzip changes the bytes, not the content. */
export function metadataEtag(rows: Iterable<VersionedRow>): string {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(`${row.rowKey}\n${row.Version}\n`);
  return `W/"${hash.digest('base64url').slice(0, 32)}"`;
}

/** If-None-Match (RFC 9110 13.1.2): weak comparison, `*` matches any current representation. */
export function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false;
  const opaque = stripWeak(etag);
  return splitOutsideQuotes(header, ',').some((candidate) => {
    const value = candidate.trim();
    return value === '*' || stripWeak(value) === opaque;
  });
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
