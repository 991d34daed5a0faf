import type { HttpResponseInit } from '@azure/functions';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A change-feed answer: JSON, as the Azure DICOM service sends it (`application/json`). */
export function jsonResponse(body: unknown): HttpResponseInit {
  return { status: 200, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body: JSON.stringify(body) };
}

/**
 * `changefeed/latest` on an empty feed: the Azure service's controller returns a null entry with
 * status 200, which ASP.NET Core's no-content formatter turns into 204 with an empty body.
 */
export function noContentResponse(): HttpResponseInit {
  return { status: 204 };
}
