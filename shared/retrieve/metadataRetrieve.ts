/**
 * Retrieve metadata (WADO-RS, PS3.18 10.4.1.1.2): the DICOM JSON of every instance of a study, a
 * series or one instance, from the documents written at store time; the files are never parsed.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { NotAcceptableError } from '../errors';
import { acceptsMediaType } from '../http/negotiation';
import { listVisibleInstances, type VisibleInstance } from '../storage/instanceQueries';
import { ensureStorage } from '../storage/provision';
import { readBlobText } from './blobReads';
import { metadataBlobOf } from './instanceKeys';
import { acceptsGzip, encodedBody } from './jsonBody';
import { matchesIfNoneMatch, metadataEtag } from './metadataEtag';
import { mapOrdered } from './orderedConcurrency';
import { asOriginal, ORIGINAL_COLUMNS, requestsOriginal } from './originalVersion';
import { notFound, type RetrieveScope } from './retrieveScope';

const DICOM_JSON = 'application/dicom+json';
/** Metadata blobs read at once for large documents: enough to hide latency, few enough to bound memory. */
const BLOB_READ_CONCURRENCY = 16;

export interface MetadataRequest {
  readonly accept: string | null;
  readonly ifNoneMatch: string | null;
  readonly acceptEncoding: string | null;
  /** `msdicom-request-original: true` (originalVersion.ts). */
  readonly original?: boolean;
}

export function metadataRequestFrom(request: HttpRequest): MetadataRequest {
  return {
    accept: request.headers.get('accept'),
    ifNoneMatch: request.headers.get('if-none-match'),
    acceptEncoding: request.headers.get('accept-encoding'),
    original: requestsOriginal(request),
  };
}

export async function retrieveMetadata(scope: RetrieveScope, request: MetadataRequest): Promise<HttpResponseInit> {
  if (!acceptsMediaType(request.accept, DICOM_JSON)) {
    throw new NotAcceptableError('The request headers are not acceptable: Accept must allow application/dicom+json.');
  }
  await ensureStorage();
  // First pass: keys and versions only (cheap), for the 404, the ETag and a 304 without reading any metadata.
  const versions = new Map<string, string>();
  for await (const row of listVisibleInstances(scope, request.original === true ? ORIGINAL_COLUMNS : [])) {
    versions.set(row.rowKey, (request.original === true ? asOriginal(row) : row).Version);
  }
  if (versions.size === 0) throw notFound(scope.level);
  const etag = metadataEtag([...versions].map(([rowKey, Version]) => ({ rowKey, Version })));
  const cacheHeaders = { ETag: etag, 'Cache-Control': 'no-cache', Vary: 'Accept-Encoding' };
  if (matchesIfNoneMatch(request.ifNoneMatch, etag)) return { status: 304, headers: cacheHeaders };

  const docs = documents(scope, versions, request.original === true);
  const { body, headers } = encodedBody(jsonArray(docs), acceptsGzip(request.acceptEncoding));
  return { status: 200, headers: { 'Content-Type': DICOM_JSON, ...cacheHeaders, ...headers }, body };
}

/**
 * The documents of the second pass, streamed from the table. Only the instance versions the ETag
 * was computed from are sent, so a body never holds more than its ETag promises (an instance
 * stored between the passes waits for the next request).
 */
function documents(
  scope: RetrieveScope,
  versions: ReadonlyMap<string, string>,
  original: boolean,
): AsyncGenerator<string | undefined> {
  const rows = listVisibleInstances(scope, ['Metadata', 'MetadataInBlob', ...(original ? ORIGINAL_COLUMNS : [])]);
  return mapOrdered(rows, BLOB_READ_CONCURRENCY, async (listed: VisibleInstance) => {
    const row = original ? asOriginal(listed) : listed;
    if (versions.get(row.rowKey) !== row.Version) return undefined;
    if (row.MetadataInBlob === true) return readBlobText(metadataBlobOf(scope.studyInstanceUid, row));
    return typeof row.Metadata === 'string' ? row.Metadata : '{}';
  });
}

/** `[doc,doc,...]` one document at a time: no string of the whole array is ever built. */
async function* jsonArray(docs: AsyncIterable<string | undefined>): AsyncGenerator<Buffer> {
  let first = true;
  let batch = '[';
  for await (const doc of docs) {
    if (doc === undefined) continue;
    batch += first ? doc : `,${doc}`;
    first = false;
    // Small documents are grouped into writes of about 64 KiB instead of one write each.
    if (batch.length >= 65_536) {
      yield Buffer.from(batch, 'utf8');
      batch = '';
    }
  }
  yield Buffer.from(`${batch}]`, 'utf8');
}
