/**
 * The extended query tag API (`/v{n}/extendedquerytags`, not partitioned): add (202 and a reindex
 * operation), list, get, update the query status, delete (background clean-up), list errors.
 * Statuses and messages follow the Azure DICOM service (../shared/azure-api-reference.md §3).
 */
import { randomBytes } from 'node:crypto';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getConfig } from '../config';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors';
import { parseMediaType } from '../http/mediaType';
import { publicBaseUrl } from '../http/publicBaseUrl';
import type { RouteContext } from '../http/routeTable';
import { findActiveOperation, startOperation } from '../operations/operationRunner';
import { ensureStorage } from '../storage/provision';
import { newReindexCheckpoint } from './reindexOperation';
import { STORE_STALENESS_MS, forgetCachedTags } from './tagCache';
import { newCleanupCheckpoint, TAG_CLEANUP_OPERATION } from './tagCleanupOperation';
import { listTagErrors } from './tagErrors';
import { MAX_EXTENDED_QUERY_TAGS, type ExtendedQueryTag, type QueryStatus } from './tagModel';
import { requireTagPath } from './tagPath';
import { getTag, listTags, mergeTag, readTagSet, replaceTag, writeNewTags } from './tagStore';
import { parseAddRequest, validateNewTags, type NewTag } from './tagValidation';

/** The body of a POST or PATCH: 128 entries of a few hundred bytes fit many times over. */
const MAX_BODY_BYTES = 256 * 1024;
/** An adding row that never got its operation (the request died between the two writes) is free after this. */
const ORPHAN_AFTER_MS = 60_000;
const ADD_ATTEMPTS = 5;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 200;
const JSON_TYPE = 'application/json';

function versionBase(request: HttpRequest, route: RouteContext): string {
  return `${publicBaseUrl(request.url, getConfig().store.publicBaseUrl)}/${route.apiVersion}`;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status,
    headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

/** Azure's GetExtendedQueryTagEntry. */
export function tagEntry(tag: ExtendedQueryTag, base: string): Record<string, unknown> {
  return {
    path: tag.path,
    vr: tag.vr,
    ...(tag.privateCreator !== undefined ? { privateCreator: tag.privateCreator } : {}),
    level: tag.level,
    status: tag.status,
    queryStatus: tag.queryStatus,
    ...(tag.errorCount > 0
      ? { errors: { count: tag.errorCount, href: `${base}/extendedquerytags/${tag.path}/errors` } }
      : {}),
    ...(tag.operationId !== undefined
      ? { operation: { id: tag.operationId, href: `${base}/operations/${tag.operationId}` } }
      : {}),
  };
}

async function readJsonBody(request: HttpRequest): Promise<unknown> {
  const type = parseMediaType(request.headers.get('content-type'));
  if (type?.essence !== JSON_TYPE) throw new UnsupportedMediaTypeError(`The request body must be ${JSON_TYPE}.`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of (request.body as WebReadableStream<Uint8Array> | null) ?? []) {
    total += chunk.byteLength;
    if (total > MAX_BODY_BYTES)
      throw new PayloadTooLargeError(`The request body may hold at most ${MAX_BODY_BYTES} bytes.`);
    chunks.push(Buffer.from(chunk));
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new BadRequestError('The syntax of the request body is invalid.');
  }
}

/** A 409 that points at the running reindex, as Azure's does. */
class ActiveReindexError extends ConflictError {
  constructor(
    id: string,
    readonly location: string,
  ) {
    super(`There is already an active re-index operation with ID '${id}'.`);
  }
}

export async function addTagsHttp(request: HttpRequest, route: RouteContext): Promise<HttpResponseInit> {
  const requested = parseAddRequest(await readJsonBody(request));
  await ensureStorage();
  const base = versionBase(request, route);
  const active = await findActiveOperation('reindex');
  if (active) {
    const location = `${base}/operations/${active.id}`;
    const error = new ActiveReindexError(active.id, location);
    return {
      status: 409,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', Location: location },
      body: error.message,
    };
  }
  const added = await insertTags(validateNewTags(requested));
  const operation = await startOperation(
    'reindex',
    newReindexCheckpoint(
      added.map((t) => ({ path: t.path, generation: t.generation })),
      Date.now() + STORE_STALENESS_MS,
    ),
    added.map((t) => `extendedquerytags/${t.path}`),
  );
  await Promise.all(
    added.map((t) =>
      mergeTag(t.path, t.generation, (current) =>
        current.status === 'adding' && current.operationId === undefined
          ? { ...current, operationId: operation.id }
          : undefined,
      ),
    ),
  );
  forgetCachedTags();
  const href = `${base}/operations/${operation.id}`;
  return json(202, { id: operation.id, href }, { Location: href });
}

async function insertTags(tags: readonly NewTag[]): Promise<ExtendedQueryTag[]> {
  for (let attempt = 0; attempt < ADD_ATTEMPTS; attempt++) {
    const set = await readTagSet();
    const existing = new Map(set.tags.map((t) => [t.tag.path, t]));
    const replacing = new Map<string, string>();
    for (const tag of tags) {
      const found = existing.get(tag.path);
      if (!found) continue;
      const orphan =
        found.tag.status === 'adding' &&
        found.tag.operationId === undefined &&
        Date.now() - found.tag.createdTime.getTime() > ORPHAN_AFTER_MS;
      if (!orphan) throw new ConflictError('One or more extended query tags already exist.');
      replacing.set(tag.path, found.etag);
    }
    if (existing.size - replacing.size + tags.length > MAX_EXTENDED_QUERY_TAGS) {
      throw new BadRequestError(`Extended query tags exceeds max allowed count '${MAX_EXTENDED_QUERY_TAGS}'.`);
    }
    const createdTime = new Date();
    const added: ExtendedQueryTag[] = tags.map((t) => ({
      ...t,
      status: 'adding',
      queryStatus: 'enabled',
      errorCount: 0,
      generation: randomBytes(4).toString('hex'),
      createdTime,
    }));
    if (await writeNewTags(set, added, replacing)) return added;
  }
  throw new ConflictError('The extended query tags were changed by other requests meanwhile; try again.');
}

function parsePaging(request: HttpRequest): { offset: number; limit: number } {
  const number = (name: string, fallback: number, min: number, max: number) => {
    const text = request.query.get(name);
    if (text === null) return fallback;
    const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) {
      throw new BadRequestError(
        `The query parameter '${name}' is invalid: it must be an integer from ${min} to ${max}.`,
      );
    }
    return n;
  };
  return { offset: number('offset', 0, 0, 1_000_000), limit: number('limit', DEFAULT_LIMIT, 1, MAX_LIMIT) };
}

export async function listTagsHttp(request: HttpRequest, route: RouteContext): Promise<HttpResponseInit> {
  const { offset, limit } = parsePaging(request);
  await ensureStorage();
  const base = versionBase(request, route);
  const tags = (await listTags()).sort((a, b) => a.path.localeCompare(b.path)).slice(offset, offset + limit);
  return json(
    200,
    tags.map((t) => tagEntry(t, base)),
  );
}

async function requireTag(pathParam: string): Promise<{ tag: ExtendedQueryTag; etag: string }> {
  const path = requireTagPath(pathParam);
  await ensureStorage();
  const stored = await getTag(path);
  if (!stored) throw new NotFoundError(`The specified extended query tag with tag path ${path} cannot be found.`);
  return stored;
}

export async function getTagHttp(request: HttpRequest, route: RouteContext): Promise<HttpResponseInit> {
  const { tag } = await requireTag(route.params.tagPath ?? '');
  return json(200, tagEntry(tag, versionBase(request, route)));
}

export async function updateTagHttp(request: HttpRequest, route: RouteContext): Promise<HttpResponseInit> {
  const path = requireTagPath(route.params.tagPath ?? '');
  const queryStatus = parseUpdate(await readJsonBody(request));
  for (;;) {
    const { tag, etag } = await requireTag(path);
    const next = { ...tag, queryStatus };
    if (tag.queryStatus === queryStatus || (await replaceTag(next, etag))) {
      return json(200, tagEntry(next, versionBase(request, route)));
    }
  }
}

function parseUpdate(body: unknown): QueryStatus {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('The syntax of the request body is invalid.');
  }
  let status: QueryStatus | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() !== 'querystatus') {
      throw new BadRequestError(`The field is not supported: "${key.slice(0, 100)}".`);
    }
    const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
    if (lower !== 'enabled' && lower !== 'disabled') {
      throw new BadRequestError('The value is not valid. It need to be one of "Disabled","Enabled".');
    }
    status = lower;
  }
  if (status === undefined) {
    throw new BadRequestError("The field 'QueryStatus' in request body is invalid: The QueryStatus field is required.");
  }
  return status;
}

export async function deleteTagHttp(_request: HttpRequest, route: RouteContext): Promise<HttpResponseInit> {
  for (;;) {
    const { tag, etag } = await requireTag(route.params.tagPath ?? '');
    if (tag.status === 'deleting')
      throw new BadRequestError(`The extended query tag '${tag.path}' is being processed.`);
    // Marked first: queries and stores stop using it at once; the entries go in the background.
    if (!(await replaceTag({ ...tag, status: 'deleting' }, etag))) continue;
    forgetCachedTags();
    try {
      await startOperation(TAG_CLEANUP_OPERATION, newCleanupCheckpoint(tag), []);
    } catch (error) {
      // Without its clean-up the tag would stay `deleting` for good: put it back (best effort).
      await mergeTag(tag.path, tag.generation, (t) =>
        t.status === 'deleting' ? { ...t, status: tag.status } : undefined,
      ).catch(() => undefined);
      throw error;
    }
    return { status: 204 };
  }
}

export async function listTagErrorsHttp(request: HttpRequest, route: RouteContext): Promise<HttpResponseInit> {
  const { offset, limit } = parsePaging(request);
  const { tag } = await requireTag(route.params.tagPath ?? '');
  return json(200, await listTagErrors(tag, offset, limit));
}
