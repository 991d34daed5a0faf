/**
 * Turns tracing on when a destination is configured, once per worker, before any function runs:
 * - `APPLICATIONINSIGHTS_CONNECTION_STRING` (set on Azure when Application Insights is attached):
 *   spans go to Application Insights, as requests and dependencies;
 * - `DICOM_TRACE_CONSOLE=true`: spans are printed to the console (local runs).
 * With neither, no provider is registered and the spans in shared/telemetry/tracing.ts are no-ops.
 * `DICOM_TELEMETRY_UIDS=false` keeps study, series and instance UIDs out of telemetry.
 * `APPLICATIONINSIGHTS_AUTHENTICATION_STRING=Authorization=AAD[;ClientId=...]` sends as the managed
 * identity, as the Functions host does: infra/main.bicep's Application Insights refuses key-only
 * ingestion.
 */
import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { AzureMonitorTraceExporter } from '@azure/monitor-opentelemetry-exporter';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { storageEndpoints } from '../storage/clients';
import { StorageCallWatcher } from './storageCallRecorder';
import { activeContext, setTraceOptions, storageCallSpan } from './tracing';

const APP_INSIGHTS_SETTING = 'APPLICATIONINSIGHTS_CONNECTION_STRING';
const APP_INSIGHTS_AUTHENTICATION_SETTING = 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING';
const CONSOLE_SETTING = 'DICOM_TRACE_CONSOLE';
const UIDS_SETTING = 'DICOM_TELEMETRY_UIDS';

export interface Telemetry {
  /** Exports every finished span now (tests; a worker about to stop). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let telemetry: Telemetry | undefined;

/** Starts tracing if the environment asks for it; returns undefined when it does not. */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): Telemetry | undefined {
  if (telemetry) return telemetry;
  const processors: SpanProcessor[] = [];
  const connectionString = env[APP_INSIGHTS_SETTING]?.trim();
  if (connectionString) {
    const credential = ingestionCredential(env[APP_INSIGHTS_AUTHENTICATION_SETTING]);
    const exporter = new AzureMonitorTraceExporter({ connectionString, ...(credential ? { credential } : {}) });
    processors.push(new BatchSpanProcessor(exporter));
  }
  if (isTrue(env[CONSOLE_SETTING])) processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  if (processors.length === 0) return undefined;

  setTraceOptions({ enabled: true, includeUids: !isFalse(env[UIDS_SETTING]) });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.WEBSITE_SITE_NAME ?? 'dicomweb-functions' }),
    spanProcessors: processors,
  });
  // Also installs the AsyncLocalStorage context manager, which carries the request's span to
  // the storage calls it makes.
  provider.register();
  // Endpoints are read at the first storage request: the clients are created lazily, from settings.
  const watcher = new StorageCallWatcher(storageEndpoints, { onStart: activeContext, onEnd: storageCallSpan });
  telemetry = {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      watcher.stop();
      await provider.shutdown();
    },
  };
  return telemetry;
}

/** The running telemetry, if started (tests flush it). */
export function runningTelemetry(): Telemetry | undefined {
  return telemetry;
}

/**
 * The identity to send telemetry as, from the setting the Functions host reads too:
 * `Authorization=AAD` (system-assigned identity) or `Authorization=AAD;ClientId=<id>` (user-assigned).
 */
export function ingestionCredential(setting: string | undefined): TokenCredential | undefined {
  const parts = new Map(
    (setting ?? '')
      .split(';')
      .map((part) => part.split('=').map((s) => s.trim()))
      .filter((kv): kv is [string, string] => kv.length === 2)
      .map(([k, v]) => [k.toLowerCase(), v]),
  );
  if (parts.get('authorization')?.toLowerCase() !== 'aad') return undefined;
  const clientId = parts.get('clientid');
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

function isTrue(value: string | undefined): boolean {
  return /^(true|1)$/i.test(value?.trim() ?? '');
}

function isFalse(value: string | undefined): boolean {
  return /^(false|0)$/i.test(value?.trim() ?? '');
}
