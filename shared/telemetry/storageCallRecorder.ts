/**
 * Watches every HTTP request this process makes to Azure Storage (or Azurite), whichever SDK sends
 * it, through Node's `http.client.*` diagnostics channels: one StorageCall per attempt, retries
 * included, because each attempt is a billed transaction. Requests sent with `fetch` (the Event
 * Grid topic posts) are seen on undici's `undici:request:*` channels instead. Nothing is watched
 * unless a watcher is started (the storage-calls benchmark, request traces).
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import diagnosticsChannel from 'node:diagnostics_channel';
import { classifyStorageRequest, type StorageCall, type StorageService } from './storageCall';
import { keepTableBodies, REQUEST_ID_HEADER, takeTableBody } from './tableBodies';

export interface StorageEndpoint {
  readonly service: StorageService;
  /** e.g. `http://127.0.0.1:10000/devstoreaccount1` or `https://acct.blob.core.windows.net`. */
  readonly url: string;
}

/** When a call starts and ends, for whoever watches (a list, a tracer). */
export interface StorageCallHooks<Mark> {
  /** Runs in the caller's async context as the request starts, e.g. to capture the active span. */
  readonly onStart: () => Mark;
  readonly onEnd: (call: StorageCall, mark: Mark) => void;
}

interface PendingCall<Mark> {
  readonly service: StorageService;
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly startedAt: number;
  readonly startedAtEpochMs: number;
  readonly attempt: number;
  readonly body: string | undefined;
  readonly mark: Mark;
}

/** Client request ids seen lately, to number the attempts of one request (the SDKs reuse the id on retries). */
const MAX_REMEMBERED_IDS = 1000;

export class StorageCallWatcher<Mark> {
  private endpoints: ParsedEndpoint[] | undefined;
  private readonly attempts = new Map<string, number>();
  private readonly onStartMessage = (message: unknown): void =>
    this.started((message as { request: ClientRequest }).request);
  /** fetch's requests (undici), from creation to the end of the response body or an error. */
  private readonly fetches = new WeakMap<UndiciRequest, { pending: PendingCall<Mark>; response?: UndiciResponse }>();
  private readonly onFetchCreate = (message: unknown): void => this.fetchStarted((message as UndiciMessage).request);
  private readonly onFetchHeaders = (message: unknown): void => {
    const { request, response } = message as UndiciMessage;
    const found = this.fetches.get(request);
    if (found && response) found.response = response;
  };
  private readonly onFetchEnd = (message: unknown): void => this.fetchFinished((message as UndiciMessage).request);
  private readonly stopKeepingBodies = keepTableBodies();

  /** `endpoints` may be given later (as a function, read at the first request): clients are created lazily. */
  constructor(
    private readonly endpointSource: readonly StorageEndpoint[] | (() => readonly StorageEndpoint[]),
    private readonly hooks: StorageCallHooks<Mark>,
  ) {
    if (typeof endpointSource !== 'function') this.endpoints = parseEndpoints(endpointSource);
    diagnosticsChannel.subscribe('http.client.request.start', this.onStartMessage);
    diagnosticsChannel.subscribe('undici:request:create', this.onFetchCreate);
    diagnosticsChannel.subscribe('undici:request:headers', this.onFetchHeaders);
    diagnosticsChannel.subscribe('undici:request:trailers', this.onFetchEnd);
    diagnosticsChannel.subscribe('undici:request:error', this.onFetchEnd);
  }

  stop(): void {
    diagnosticsChannel.unsubscribe('http.client.request.start', this.onStartMessage);
    diagnosticsChannel.unsubscribe('undici:request:create', this.onFetchCreate);
    diagnosticsChannel.unsubscribe('undici:request:headers', this.onFetchHeaders);
    diagnosticsChannel.unsubscribe('undici:request:trailers', this.onFetchEnd);
    diagnosticsChannel.unsubscribe('undici:request:error', this.onFetchEnd);
    this.stopKeepingBodies();
  }

  private resolvedEndpoints(): ParsedEndpoint[] {
    const source = this.endpointSource;
    this.endpoints ??= parseEndpoints(typeof source === 'function' ? source() : source);
    return this.endpoints;
  }

  private endpointOf(host: string, path: string): ParsedEndpoint | undefined {
    return this.resolvedEndpoints().find((e) => e.host === host && path.startsWith(e.pathPrefix));
  }

  /** A call as it starts; the hook runs here, in the caller's async context. */
  private pendingCall(
    endpoint: ParsedEndpoint,
    host: string,
    method: string,
    path: string,
    retry: Pick<PendingCall<Mark>, 'attempt' | 'body'>,
  ): PendingCall<Mark> {
    return {
      service: endpoint.service,
      host,
      method,
      path: path.slice(endpoint.pathPrefix.length),
      startedAt: performance.now(),
      startedAtEpochMs: Date.now(),
      ...retry,
      mark: this.hooks.onStart(),
    };
  }

  private started(request: ClientRequest): void {
    const host = String(request.getHeader('host') ?? request.host);
    const endpoint = this.endpointOf(host, request.path);
    if (!endpoint) return;
    const requestId = request.getHeader(REQUEST_ID_HEADER);
    const id = typeof requestId === 'string' ? requestId : undefined;
    const pending = this.pendingCall(endpoint, host, request.method, request.path, {
      attempt: this.attemptOf(id),
      body: endpoint.service === 'table' ? takeTableBody(id) : undefined,
    });
    const requestBytes = Number(request.getHeader('content-length') ?? 0);
    request.once('response', (response: IncomingMessage) => {
      response.once('close', () => this.finished(pending, requestBytes, response));
    });
    request.once('error', () => this.finished(pending, requestBytes, undefined));
  }

  private fetchStarted(request: UndiciRequest): void {
    let host: string;
    try {
      host = new URL(String(request.origin)).host;
    } catch {
      return;
    }
    const endpoint = this.endpointOf(host, request.path);
    if (!endpoint) return;
    this.fetches.set(request, {
      pending: this.pendingCall(endpoint, host, request.method, request.path, { attempt: 1, body: undefined }),
    });
  }

  private fetchFinished(request: UndiciRequest): void {
    const found = this.fetches.get(request);
    if (!found) return;
    this.fetches.delete(request);
    const headers = found.response?.headers ?? [];
    let responseBytes = 0;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === 'content-length') responseBytes = Number(String(headers[i + 1])) || 0;
    }
    this.finish(found.pending, Number(request.contentLength ?? 0), found.response?.statusCode ?? 0, responseBytes);
  }

  private attemptOf(id: string | undefined): number {
    if (id === undefined) return 1;
    const attempt = (this.attempts.get(id) ?? 0) + 1;
    if (this.attempts.size >= MAX_REMEMBERED_IDS) this.attempts.clear();
    this.attempts.set(id, attempt);
    return attempt;
  }

  private finished(pending: PendingCall<Mark>, requestBytes: number, response: IncomingMessage | undefined): void {
    this.finish(
      pending,
      requestBytes,
      response?.statusCode ?? 0,
      Number(response?.headers['content-length'] ?? 0) || 0,
    );
  }

  private finish(pending: PendingCall<Mark>, requestBytes: number, status: number, responseBytes: number): void {
    const kind = classifyStorageRequest({
      service: pending.service,
      method: pending.method,
      path: pending.path,
      host: pending.host,
      ...(pending.body === undefined ? {} : { bodyStart: pending.body }),
    });
    const call: StorageCall = {
      service: pending.service,
      method: pending.method,
      ...kind,
      requestBytes: Number.isFinite(requestBytes) ? requestBytes : 0,
      responseBytes,
      status,
      startedAtEpochMs: pending.startedAtEpochMs,
      durationMs: performance.now() - pending.startedAt,
      attempt: pending.attempt,
    };
    this.hooks.onEnd(call, pending.mark);
  }
}

/** What undici publishes of a request and its response (the fields read here). */
interface UndiciRequest {
  readonly origin: string | URL;
  readonly method: string;
  readonly path: string;
  readonly contentLength?: number | null;
}

interface UndiciResponse {
  readonly statusCode: number;
  /** Names and values, alternating. */
  readonly headers: readonly (Buffer | string)[];
}

interface UndiciMessage {
  readonly request: UndiciRequest;
  readonly response?: UndiciResponse;
}

interface ParsedEndpoint {
  readonly service: StorageService;
  readonly host: string;
  readonly pathPrefix: string;
}

function parseEndpoints(endpoints: readonly StorageEndpoint[]): ParsedEndpoint[] {
  return endpoints.map(({ service, url }) => {
    const parsed = new URL(url);
    return { service, host: parsed.host, pathPrefix: parsed.pathname.replace(/\/$/, '') };
  });
}

/** Keeps every call in a list, for the storage-calls benchmark and tests. */
export class StorageCallRecorder {
  private readonly calls: StorageCall[] = [];
  private readonly watcher: StorageCallWatcher<undefined>;

  constructor(endpoints: readonly StorageEndpoint[]) {
    this.watcher = new StorageCallWatcher(endpoints, {
      onStart: () => undefined,
      onEnd: (call) => this.calls.push(call),
    });
  }

  /** The calls completed since the last take(), in the order they completed. */
  take(): StorageCall[] {
    return this.calls.splice(0, this.calls.length);
  }

  stop(): void {
    this.watcher.stop();
  }
}
