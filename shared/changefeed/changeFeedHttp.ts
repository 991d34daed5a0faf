import { Readable } from 'node:stream';
import type { HttpResponseInit } from '@azure/functions';
import { jsonPieces } from './rawJson';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * A change-feed answer: JSON, as the Azure DICOM service sends it (`application/json`), streamed
 * entry by entry with stored metadata spliced in as text (up to 16 MiB of it per page).
 */
export function jsonResponse(body: unknown): HttpResponseInit {
  return {
    status: 200,
    headers: { 'Content-Type': JSON_CONTENT_TYPE },
    body: Readable.from(jsonPieces(body), { objectMode: false }),
  };
}

/**
 * `changefeed/latest` on an empty feed: the Azure service's controller returns a null entry with
 * status 200, which ASP.NET Core's no-content formatter turns into 204 with an empty body.
 */
export function noContentResponse(): HttpResponseInit {
  return { status: 204 };
}
