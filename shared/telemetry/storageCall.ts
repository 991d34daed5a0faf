/**
 * What one HTTP request to Azure Storage was, read off its method, URL and (for a table batch)
 * its body: the REST operation, the table, container or queue, and the partition it touched. Pure,
 * so the mapping is tested on its own; the requests come from shared/telemetry/storageCallRecorder.ts.
 *
 * Every such request is one billed transaction, and counts against the account's request rate;
 * table writes also count, entity by entity, against the target of their partition, and queue
 * messages against their queue's (docs/scale.md). So each call records which partition it hit.
 *
 * An Event Grid topic post (the events publisher's other sink) is watched the same way, as service
 * `eventgrid`; it is an outbound call but no storage transaction (isStorageTransaction).
 */

export type StorageService = 'blob' | 'table' | 'queue' | 'eventgrid';

/** Counts against the storage account's targets (everything but the Event Grid posts). */
export function isStorageTransaction(call: { readonly service: StorageService }): boolean {
  return call.service !== 'eventgrid';
}

export interface StorageCall {
  readonly service: StorageService;
  /** The HTTP method (telemetry: the status then shows as the dependency's result code). */
  readonly method: string;
  /** The REST operation, e.g. `putBlock`, `getEntity`, `queryEntities`, `batch`, `putMessage`. */
  readonly operation: string;
  /** The table, container or queue name (for a blob, the container); the topic's host for Event Grid. */
  readonly target: string;
  /**
   * Table: the PartitionKey (`a..b` for a range query, `*` for a query with none).
   * Blob: the blob name (the unit of Blob Storage's per-blob targets), or `prefix*` for a list.
   * Queue: the queue name (a queue is the unit of Queue Storage's per-queue target); empty for
   * account-level calls (listing queues). Event Grid: empty.
   */
  readonly partition: string;
  /** Entities a write carries: 1 for a single-entity write, the operation count for a batch, 0 for reads. */
  readonly entityWrites: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  /** HTTP status, 0 when no response came (network error). */
  readonly status: number;
  readonly startedAtEpochMs: number;
  readonly durationMs: number;
  /** 1 for the first attempt of an SDK request, 2 for its first retry, and so on. */
  readonly attempt: number;
}

export interface StorageRequestFacts {
  readonly service: StorageService;
  readonly method: string;
  /**
   * The path and query below the account's endpoint, e.g. `/Instances(PartitionKey='a',RowKey='b')`
   * (Azurite's path-style account segment already removed).
   */
  readonly path: string;
  /** For a table request with a body: its start (a batch's operations, an insert's keys). */
  readonly bodyStart?: string;
  /** The endpoint's host, e.g. `topic.westeurope-1.eventgrid.azure.net` (names an Event Grid call's topic). */
  readonly host?: string;
}

export interface StorageCallKind {
  readonly operation: string;
  readonly target: string;
  readonly partition: string;
  readonly entityWrites: number;
}

export function classifyStorageRequest(facts: StorageRequestFacts): StorageCallKind {
  const { pathname, query } = splitPath(facts.path);
  const segments = pathname.split('/').filter((s) => s.length > 0);
  switch (facts.service) {
    case 'table':
      return classifyTable(facts.method, segments, query, facts.bodyStart);
    case 'blob':
      return classifyBlob(facts.method, segments, query);
    case 'queue':
      return classifyQueue(facts.method, segments, query);
    case 'eventgrid':
      return { operation: 'publishEvents', target: facts.host ?? '', partition: '', entityWrites: 0 };
  }
}

function splitPath(path: string): { pathname: string; query: URLSearchParams } {
  const q = path.indexOf('?');
  return q < 0
    ? { pathname: path, query: new URLSearchParams() }
    : { pathname: path.slice(0, q), query: new URLSearchParams(path.slice(q + 1)) };
}

const ENTITY_ADDRESS = /^([^(]+)\(PartitionKey='((?:[^']|'')*)',RowKey='((?:[^']|'')*)'\)$/;

function classifyTable(
  method: string,
  segments: readonly string[],
  query: URLSearchParams,
  bodyStart: string | undefined,
): StorageCallKind {
  const resource = decodeSegment(segments[0] ?? '');
  if (resource === '$batch') return classifyBatch(bodyStart ?? '');
  if (resource === 'Tables' || resource.startsWith('Tables(')) {
    const name = /^Tables\('([^']*)'\)$/.exec(resource)?.[1] ?? jsonString(bodyStart, 'TableName') ?? '';
    const operation = method === 'POST' ? 'createTable' : method === 'DELETE' ? 'deleteTable' : 'queryTables';
    return { operation, target: name, partition: '', entityWrites: 0 };
  }
  const address = ENTITY_ADDRESS.exec(resource);
  if (address) {
    const target = address[1] ?? '';
    const partition = unquote(address[2] ?? '');
    switch (method) {
      case 'GET':
        return { operation: 'getEntity', target, partition, entityWrites: 0 };
      case 'PUT':
        return { operation: 'updateEntity', target, partition, entityWrites: 1 };
      case 'MERGE':
      case 'PATCH':
        return { operation: 'mergeEntity', target, partition, entityWrites: 1 };
      case 'DELETE':
        return { operation: 'deleteEntity', target, partition, entityWrites: 1 };
      default:
        return { operation: method.toLowerCase(), target, partition, entityWrites: 0 };
    }
  }
  const target = resource.replace(/\(\)$/, '');
  if (method === 'POST') {
    return {
      operation: 'insertEntity',
      target,
      partition: jsonString(bodyStart, 'PartitionKey') ?? '?',
      entityWrites: 1,
    };
  }
  return {
    operation: 'queryEntities',
    target,
    partition: partitionOfFilter(query.get('$filter') ?? ''),
    entityWrites: 0,
  };
}

/** The PartitionKey a query's filter pins: one value, a range `a..b`, or `*` for none. */
export function partitionOfFilter(filter: string): string {
  const equal = /PartitionKey eq '((?:[^']|'')*)'/.exec(filter);
  if (equal) return unquote(equal[1] ?? '');
  const from = /PartitionKey ge '((?:[^']|'')*)'/.exec(filter);
  const to = /PartitionKey lt '((?:[^']|'')*)'/.exec(filter);
  if (from || to) return `${unquote(from?.[1] ?? '')}..${unquote(to?.[1] ?? '')}`;
  return '*';
}

const BATCH_OPERATION = /^(POST|PUT|PATCH|MERGE|DELETE|GET) (\S+) HTTP\/1\.1\r?$/gm;

/** An entity-group transaction: all its operations share one table and one partition. */
function classifyBatch(body: string): StorageCallKind {
  let writes = 0;
  let target = '';
  let partition = '';
  for (const match of body.matchAll(BATCH_OPERATION)) {
    writes += 1;
    if (partition) continue;
    const path = new URL(match[2] ?? '', 'http://x').pathname;
    const last = decodeSegment(
      path
        .split('/')
        .filter((s) => s.length > 0)
        .pop() ?? '',
    );
    const address = ENTITY_ADDRESS.exec(last);
    target = address?.[1] ?? last;
    if (address) partition = unquote(address[2] ?? '');
  }
  // An insert's address is in its JSON body, not its request line.
  partition ||= jsonString(body, 'PartitionKey') ?? '?';
  return { operation: 'batch', target, partition, entityWrites: writes };
}

function classifyBlob(method: string, segments: readonly string[], query: URLSearchParams): StorageCallKind {
  const target = decodeSegment(segments[0] ?? '');
  const blob = segments.slice(1).map(decodeSegment).join('/');
  const comp = query.get('comp');
  if (query.get('restype') === 'container') {
    if (comp === 'list') {
      return { operation: 'listBlobs', target, partition: `${query.get('prefix') ?? ''}*`, entityWrites: 0 };
    }
    const operation = method === 'PUT' ? 'createContainer' : method === 'DELETE' ? 'deleteContainer' : 'getContainer';
    return { operation, target, partition: '', entityWrites: 0 };
  }
  const operation = blobOperation(method, comp);
  return { operation, target, partition: blob, entityWrites: 0 };
}

function blobOperation(method: string, comp: string | null): string {
  switch (method) {
    case 'PUT':
      if (comp === 'block') return 'putBlock';
      if (comp === 'blocklist') return 'putBlockList';
      if (comp === 'lease') return 'leaseBlob';
      if (comp === 'metadata') return 'setBlobMetadata';
      return 'putBlob';
    case 'GET':
      return comp === 'blocklist' ? 'getBlockList' : 'getBlob';
    case 'HEAD':
      return 'getBlobProperties';
    case 'DELETE':
      return 'deleteBlob';
    default:
      return method.toLowerCase();
  }
}

/**
 * Queue Storage's REST paths: `/{queue}` (the queue itself), `/{queue}/messages` (send, receive,
 * peek, clear) and `/{queue}/messages/{id}` (delete, update one message); `/` for the account.
 */
function classifyQueue(method: string, segments: readonly string[], query: URLSearchParams): StorageCallKind {
  const queue = decodeSegment(segments[0] ?? '');
  const comp = query.get('comp');
  const call = (operation: string): StorageCallKind => ({
    operation,
    target: queue,
    partition: queue,
    entityWrites: 0,
  });
  if (segments.length === 0) {
    if (comp === 'list') return call('listQueues');
    const verb = method === 'PUT' ? 'set' : 'get';
    return call(comp === 'stats' ? 'getServiceStats' : `${verb}ServiceProperties`);
  }
  if (segments.length === 1) {
    if (comp === 'metadata') return call(method === 'PUT' ? 'setQueueMetadata' : 'getQueueMetadata');
    if (comp === 'acl') return call(method === 'PUT' ? 'setQueueAcl' : 'getQueueAcl');
    if (method === 'PUT') return call('createQueue');
    if (method === 'DELETE') return call('deleteQueue');
    return call('getQueueMetadata');
  }
  if (segments.length === 2) {
    if (method === 'POST') return call('putMessage');
    if (method === 'DELETE') return call('clearMessages');
    return call(query.get('peekonly') === 'true' ? 'peekMessages' : 'getMessages');
  }
  if (method === 'DELETE') return call('deleteMessage');
  if (method === 'PUT') return call('updateMessage');
  return call(method.toLowerCase());
}

/** The first string value of a JSON property in a body, e.g. an entity's PartitionKey. */
function jsonString(body: string | undefined, name: string): string | undefined {
  if (body === undefined) return undefined;
  const match = new RegExp(`"${name}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(body);
  if (!match?.[1]) return undefined;
  try {
    return JSON.parse(match[1]) as string;
  } catch {
    return undefined;
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function unquote(value: string): string {
  return value.replaceAll("''", "'");
}
