/**
 * OpenTelemetry spans: one per HTTP request (route, status, UIDs, bytes in and out) with a child
 * span per storage call (service, operation, table, container or queue, partition, bytes, status,
 * attempt); background work (the events publisher) gets a span of its own. Through `@opentelemetry/api` only, which does nothing until shared/telemetry/
 * telemetrySetup.ts registers a provider, so with telemetry off this costs a no-op call per request.
 *
 * No patient data: index partitions are keyed by patient names and IDs, so their keys are never
 * recorded; UIDs are recorded unless DICOM_TELEMETRY_UIDS=false.
 */
import {
  context,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { StorageCall } from './storageCall';

const TRACER_NAME = 'dicomweb-functions';

export interface TraceOptions {
  /** A provider is registered (shared/telemetry/telemetrySetup.ts): request spans are made. */
  readonly enabled: boolean;
  /** Record study, series and SOP instance UIDs (in attributes, URL paths and blob names). */
  readonly includeUids: boolean;
}

let options: TraceOptions = { enabled: false, includeUids: true };

/** What requests get while tracing is off: a span that records nothing, made once. */
const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export function setTraceOptions(next: TraceOptions): void {
  options = next;
}

export interface RequestFacts {
  readonly method: string;
  /** The route template, e.g. `v2/studies/{study}/series/{series}`. */
  readonly route: string;
  /** The DICOMweb transaction, e.g. `retrieveSeries`. */
  readonly transaction: string;
  /** The request URL (only its path is recorded, never the query: it can hold patient data). */
  readonly url: string;
  readonly requestBytes: number | undefined;
  readonly params: Readonly<Record<string, string>>;
  /**
   * W3C `traceparent` of the span this request continues: the Functions host's, from the
   * invocation's trace context, or the client's header. Our spans then join the host's trace.
   */
  readonly traceParent: string | undefined;
}

/** Route parameters that are UIDs, by the template names the routes use. */
const UID_ATTRIBUTES: Readonly<Record<string, string>> = {
  study: 'dicom.study_instance_uid',
  series: 'dicom.series_instance_uid',
  instance: 'dicom.sop_instance_uid',
};

/**
 * Runs `handle` inside a server span for the request; the caller ends it with endRequestSpan.
 * `describe` runs only while tracing is on, so an untraced request does no work for telemetry.
 */
export function startRequestSpan<T>(describe: () => RequestFacts, handle: (span: Span) => Promise<T>): Promise<T> {
  if (!options.enabled) return handle(NOT_RECORDING);
  const facts = describe();
  const attributes: Record<string, string | number> = {
    'http.request.method': facts.method,
    'http.route': facts.route,
    'dicom.transaction': facts.transaction,
  };
  if (options.includeUids) {
    attributes['url.path'] = new URL(facts.url).pathname;
    for (const [name, value] of Object.entries(facts.params)) {
      const attribute = UID_ATTRIBUTES[name];
      if (attribute) attributes[attribute] = value;
    }
  }
  if (facts.requestBytes !== undefined) attributes['http.request.body.size'] = facts.requestBytes;
  const tracer = trace.getTracer(TRACER_NAME);
  const name = `${facts.method} /${facts.route}`;
  return tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, parentOf(facts.traceParent), handle);
}

const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote parent a valid `traceparent` names; the root context for anything else. */
export function parentOf(traceParent: string | undefined): Context {
  const match = TRACE_PARENT.exec(traceParent?.trim().toLowerCase() ?? '');
  if (!match) return ROOT_CONTEXT;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return ROOT_CONTEXT;
  const traceFlags = (parseInt(flags, 16) & TraceFlags.SAMPLED) as TraceFlags;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags, isRemote: true });
}

/**
 * Runs work no request waits for (an events publisher run) in a span of its own trace, so that
 * its storage calls, the events queue's messages among them, are traced too: the request that
 * nudged it has answered, and its span has ended, by then.
 */
export function startBackgroundSpan<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!options.enabled) return work();
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL }, ROOT_CONTEXT, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, ...(error instanceof Error ? { message: error.message } : {}) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Ends the request span once the response (streamed or not) is sent or abandoned. */
export function endRequestSpan(span: Span, status: number, responseBytes: number, error?: unknown): void {
  span.setAttribute('http.response.status_code', status);
  span.setAttribute('http.response.body.size', responseBytes);
  if (status >= 500 || error !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, ...(error instanceof Error ? { message: error.message } : {}) });
  }
  span.end();
}

/** The context to parent a storage call's span on: whatever is active where the SDK sends it. */
export function activeContext(): Context {
  return context.active();
}

/**
 * A finished storage call as a client span under the span that was active when it started. The
 * span is made at the end, with the call's own start time, so calls that nobody traces cost nothing.
 */
export function storageCallSpan(call: StorageCall, parent: Context): void {
  if (!trace.getSpan(parent)?.isRecording()) return;
  const tracer = trace.getTracer(TRACER_NAME);
  const attributes: Record<string, string | number> = {
    'az.namespace': call.service === 'eventgrid' ? 'Microsoft.EventGrid' : 'Microsoft.Storage',
    'dicom.storage.service': call.service,
    'dicom.storage.operation': call.operation,
    'dicom.storage.target': call.target,
    'dicom.storage.entity_writes': call.entityWrites,
    'dicom.storage.attempt': call.attempt,
    // Makes the exporter treat the call as an HTTP dependency, with the status as its result code.
    'http.request.method': call.method,
    'http.request.body.size': call.requestBytes,
    'http.response.body.size': call.responseBytes,
    'http.response.status_code': call.status,
  };
  const partition = recordablePartition(call);
  if (partition !== undefined) attributes['dicom.storage.partition'] = partition;
  const span = tracer.startSpan(
    `${call.service} ${call.operation} ${call.target}`,
    { kind: SpanKind.CLIENT, startTime: call.startedAtEpochMs, attributes },
    parent,
  );
  // 404, 409 and 412 are answers the code asks for (exists? taken? changed?), not failures.
  if (call.status === 0 || call.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end(call.startedAtEpochMs + call.durationMs);
}

/**
 * The partition as it may appear in telemetry: fixed keys (`feed`, `~pending`) always; UID keys
 * and blob names only with UIDs on; search-index keys (patient names, IDs, dates) never.
 */
export function recordablePartition(call: StorageCall): string | undefined {
  if (call.service === 'table' && /Ix[A-Z]/.test(call.target)) return '(index value)';
  if (/\d+\.\d+\.\d+/.test(call.partition)) return options.includeUids ? call.partition : '(uid)';
  return call.partition;
}
