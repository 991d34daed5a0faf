/**
 * Records every HTTP request this process makes to Azure Storage (or Azurite), whichever SDK sends
 * it, through Node's `http.client.*` diagnostics channels: one StorageCall per attempt, retries
 * included, because each attempt is a billed transaction. Nothing is recorded unless a recorder
 * is started (the storage-calls benchmark; later, request traces).
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import diagnosticsChannel from 'node:diagnostics_channel';
import { classifyStorageRequest, type StorageCall, type StorageService } from './storageCall';
import { keepTableBodies, REQUEST_ID_HEADER, requestIdOf, takeTableBody } from './tableBodies';

export interface StorageEndpoint {
  readonly service: StorageService;
  /** e.g. `http://127.0.0.1:10000/devstoreaccount1` or `https://acct.blob.core.windows.net`. */
  readonly url: string;
}

interface PendingCall {
  readonly service: StorageService;
  readonly method: string;
  readonly path: string;
  readonly startedAt: number;
  readonly body: string | undefined;
}

export class StorageCallRecorder {
  private readonly calls: StorageCall[] = [];
  private readonly endpoints: { service: StorageService; host: string; pathPrefix: string }[];
  private readonly onStart = (message: unknown): void => this.started((message as { request: ClientRequest }).request);
  private readonly stopKeepingBodies = keepTableBodies();

  constructor(endpoints: readonly StorageEndpoint[]) {
    this.endpoints = endpoints.map(({ service, url }) => {
      const parsed = new URL(url);
      return { service, host: parsed.host, pathPrefix: parsed.pathname.replace(/\/$/, '') };
    });
    diagnosticsChannel.subscribe('http.client.request.start', this.onStart);
  }

  /** The calls completed since the last take(), in the order they completed. */
  take(): StorageCall[] {
    return this.calls.splice(0, this.calls.length);
  }

  stop(): void {
    diagnosticsChannel.unsubscribe('http.client.request.start', this.onStart);
    this.stopKeepingBodies();
  }

  private started(request: ClientRequest): void {
    const host = String(request.getHeader('host') ?? request.host);
    const endpoint = this.endpoints.find((e) => e.host === host && request.path.startsWith(e.pathPrefix));
    if (!endpoint) return;
    const pending: PendingCall = {
      service: endpoint.service,
      method: request.method,
      path: request.path.slice(endpoint.pathPrefix.length),
      startedAt: performance.now(),
      body: endpoint.service === 'table' ? takeTableBody(requestIdOf(request.getHeader(REQUEST_ID_HEADER))) : undefined,
    };
    const requestBytes = Number(request.getHeader('content-length') ?? 0);
    request.once('response', (response: IncomingMessage) => {
      response.once('close', () => this.finished(pending, requestBytes, response));
    });
    request.once('error', () => this.finished(pending, requestBytes, undefined));
  }

  private finished(pending: PendingCall, requestBytes: number, response: IncomingMessage | undefined): void {
    const kind = classifyStorageRequest({
      service: pending.service,
      method: pending.method,
      path: pending.path,
      ...(pending.body === undefined ? {} : { bodyStart: pending.body }),
    });
    this.calls.push({
      service: pending.service,
      ...kind,
      requestBytes: Number.isFinite(requestBytes) ? requestBytes : 0,
      responseBytes: Number(response?.headers['content-length'] ?? 0) || 0,
      status: response?.statusCode ?? 0,
      durationMs: performance.now() - pending.startedAt,
    });
  }
}
