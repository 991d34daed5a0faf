import { parseAuthConfig, type AuthConfig } from './auth/authConfig';
import { CORS_SETTING, parseCorsConfig, type CorsConfig } from './http/cors';
import { parseFilteredQueues, type QueueFilter } from './events/eventFilters';

/**
 * Configuration, read once from the environment (app settings on Azure, local.settings.json under
 * Core Tools, the local host's own defaults under `npm start`), validated, and cached.
 * Every setting is documented in README.md.
 */
export interface StorageConfig {
  /** A storage connection string (`UseDevelopmentStorage=true` for Azurite). */
  readonly connectionString: string | undefined;
  /** With no connection string: account URLs, reached with DefaultAzureCredential (managed identity). */
  readonly blobServiceUrl: string | undefined;
  readonly tableServiceUrl: string | undefined;
  /** The queue service (operations, events); with no connection string and no setting, the blob URL's `.queue.` twin. */
  readonly queueServiceUrl: string | undefined;
  readonly blobContainer: string;
  /** Every table name starts with this prefix, so several deployments can share one account. */
  readonly tablePrefix: string;
  /** DICOM_DATA_PARTITIONS_ENABLED: data partitions (docs/partitions.md); off by default, as on Azure. */
  readonly dataPartitions: boolean;
}

export interface StoreConfig {
  /** Largest request body accepted by STOW-RS, in bytes (413 above it). */
  readonly maxRequestBytes: number;
  /** Most bytes of one instance held in memory while looking for its identifying attributes. */
  readonly maxHeaderBytes: number;
  /** Most parts in one multipart request (400 above it). */
  readonly maxParts: number;
  /**
   * How long an in-progress store holds its instance without renewing (it renews every third):
   * after a crash, the longest a re-store of the instance is refused with 45071.
   */
  readonly leaseSeconds: number;
  /**
   * DICOM_PUBLIC_BASE_URL: what RetrieveURLs start with (`https://dicom.example.org`, maybe with a
   * path prefix), instead of the request's scheme and Host. Unset: the request's, validated.
   */
  readonly publicBaseUrl: string | undefined;
  /**
   * DICOM_LOCAL_FEED_ALWAYS_STAGE: local testing only: every change-feed commit takes the path of
   * a worker that lost the race for the counter (staged, then numbered by a round), so one process
   * exercises what many workers do on Azure (docs/delete-and-changefeed.md "Many writers").
   */
  readonly localFeedAlwaysStage: boolean;
}

export interface SearchConfig {
  /** Adds `X-Search-Cost: requests=N; entities=M` (table round trips and entities read) to search responses. */
  readonly costHeader: boolean;
}

export interface ExportConfig {
  /** DICOM_EXPORT_ENABLED (default true, as Azure's EnableExport): false answers 404 on the export routes. */
  readonly enabled: boolean;
}

export interface OperationsConfig {
  /** A running operation with no saved step for this long gets its step re-enqueued (docs/operations.md). */
  readonly staleSeconds: number;
}

/** DICOM events (docs/lifecycle.md). */
export interface EventsConfig {
  /** DICOM_EVENTS_ENABLED: publish the change feed as Event Grid events (default true). */
  readonly enabled: boolean;
  /** DICOM_EVENTS_QUEUE: the Storage Queue events go to when no topic is set (default `dicom-events`). */
  readonly queue: string;
  /** DICOM_EVENTGRID_TOPIC_ENDPOINT: an Event Grid topic, reached with the managed identity; replaces the queue. */
  readonly topicEndpoint: string | undefined;
  /** DICOM_EVENTS_TOPIC: the envelope's `topic` (Azure: the workspace's ARM ID); default the service host. */
  readonly topic: string | undefined;
  /** DICOM_EVENTS_FILTERED_QUEUES: extra queues each taking the events that match its filter (docs/lifecycle.md). */
  readonly filteredQueues: readonly QueueFilter[];
  /**
   * DICOM_LOCAL_PAUSE_AT: local testing only: the named point (`upsert-before-commit`,
   * `upsert-after-commit`, `events-before-publish`) waits until the process is killed.
   */
  readonly localPauseAt: string | undefined;
}

/** Bulk import (docs/import.md): files dropped into a container of the server's storage account. */
export interface ImportConfig {
  /** DICOM_IMPORT_ENABLED (default true): false leaves the import container alone. */
  readonly enabled: boolean;
  /** DICOM_IMPORT_CONTAINER (default `dicom-import`): where files are dropped. */
  readonly container: string;
  /** DICOM_IMPORT_ERROR_CONTAINER (default `dicom-import-errors`): where files that failed go, with the reason. */
  readonly errorContainer: string;
  /** DICOM_IMPORT_ERROR_QUEUE (default `dicom-import-errors`): one message per failed file. */
  readonly errorQueue: string;
  /** DICOM_IMPORT_MAX_FILES_PER_RUN: files one timer run claims at most. */
  readonly maxFilesPerRun: number;
  /** DICOM_IMPORT_MAX_BYTES_PER_RUN: bytes one timer run claims at most (one file always, whatever its size). */
  readonly maxBytesPerRun: number;
  /** DICOM_IMPORT_CONCURRENCY: files imported at once by one run. */
  readonly concurrency: number;
}

export interface AppConfig {
  readonly storage: StorageConfig;
  readonly import: ImportConfig;
  readonly export: ExportConfig;
  readonly operations: OperationsConfig;
  readonly events: EventsConfig;
  readonly store: StoreConfig;
  readonly search: SearchConfig;
  readonly auth: AuthConfig;
  readonly cors: CorsConfig;
}

/** What every request needs before its handler runs; read apart from storage, which not every route uses. */
export interface AccessConfig {
  readonly auth: AuthConfig;
  readonly cors: CorsConfig;
}

/** The settings are invalid; the message lists every problem and no secret. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
/**
 * 256 MiB: below the Functions host's body limit that deployments set (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT,
 * 300 MiB in infra/main.bicep and local.settings.json), so a request between the two gets this
 * app's 413 with advice rather than the host's bare 500; and small enough for the host, which
 * reads a body with a Content-Length into memory before the app sees it (docs/functions-host.md).
 */
export const DEFAULT_MAX_REQUEST_BYTES = 256 * MiB;

/** The setting that turns data partitions on. */
export const DATA_PARTITIONS_SETTING = 'DICOM_DATA_PARTITIONS_ENABLED';
/** 63 less `-p` and up to 7 digits of a partition key. */
const MAX_PARTITIONED_CONTAINER_LENGTH = 54;

let cached: AppConfig | undefined;
let cachedAccess: AccessConfig | undefined;

export function getConfig(): AppConfig {
  cached ??= loadConfig(process.env);
  return cached;
}

/** The auth and CORS sections alone (the route wrapper reads them for every request). */
export function getAccessConfig(): AccessConfig {
  cachedAccess ??= loadAccessConfig(process.env);
  return cachedAccess;
}

/** For tests and the local host, which set the environment before the first request. */
export function resetConfig(): void {
  cached = undefined;
  cachedAccess = undefined;
}

export function loadAccessConfig(env: NodeJS.ProcessEnv): AccessConfig {
  const problems: string[] = [];
  const access = accessSections(env, problems);
  if (problems.length > 0) throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}.`);
  return access;
}

function accessSections(env: NodeJS.ProcessEnv, problems: string[]): AccessConfig {
  return { auth: parseAuthConfig(env, problems), cors: parseCorsConfig(env[CORS_SETTING], problems) };
}

export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const problems: string[] = [];
  const connectionString = nonEmpty(env.DICOM_STORAGE_CONNECTION_STRING) ?? nonEmpty(env.AzureWebJobsStorage);
  const blobServiceUrl = nonEmpty(env.DICOM_BLOB_SERVICE_URL);
  const tableServiceUrl = nonEmpty(env.DICOM_TABLE_SERVICE_URL);
  const queueServiceUrl = nonEmpty(env.DICOM_QUEUE_SERVICE_URL) ?? blobServiceUrl?.replace('.blob.', '.queue.');
  if (!connectionString && (!blobServiceUrl || !tableServiceUrl)) {
    problems.push(
      'set DICOM_STORAGE_CONNECTION_STRING, or both DICOM_BLOB_SERVICE_URL and DICOM_TABLE_SERVICE_URL (managed identity)',
    );
  }
  const blobContainer = nonEmpty(env.DICOM_BLOB_CONTAINER) ?? 'dicomweb';
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(blobContainer)) {
    problems.push(`DICOM_BLOB_CONTAINER "${blobContainer}" is not a valid container name`);
  }
  const tablePrefix = nonEmpty(env.DICOM_TABLE_PREFIX) ?? 'dicom';
  if (!/^[A-Za-z][A-Za-z0-9]{0,39}$/.test(tablePrefix)) {
    problems.push(`DICOM_TABLE_PREFIX "${tablePrefix}" must be a letter followed by up to 39 letters or digits`);
  }
  const dataPartitions = flag(env, DATA_PARTITIONS_SETTING, problems);
  // A named partition's container is `{container}-p{key}` (docs/partitions.md): room for the suffix.
  if (dataPartitions && blobContainer.length > MAX_PARTITIONED_CONTAINER_LENGTH) {
    problems.push(
      `DICOM_BLOB_CONTAINER "${blobContainer}" must be at most ${MAX_PARTITIONED_CONTAINER_LENGTH} characters with data partitions enabled`,
    );
  }
  const config: AppConfig = {
    storage: {
      connectionString,
      blobServiceUrl,
      tableServiceUrl,
      queueServiceUrl,
      blobContainer,
      tablePrefix,
      dataPartitions,
    },
    store: {
      maxRequestBytes: integer(
        env,
        'DICOM_MAX_REQUEST_BYTES',
        DEFAULT_MAX_REQUEST_BYTES,
        1,
        Number.MAX_SAFE_INTEGER,
        problems,
      ),
      maxHeaderBytes: integer(env, 'DICOM_MAX_HEADER_BYTES', 16 * MiB, 4096, GiB, problems),
      maxParts: integer(env, 'DICOM_MAX_PARTS', 10_000, 1, 1_000_000, problems),
      leaseSeconds: integer(env, 'DICOM_STORE_LEASE_SECONDS', 30, 10, 86_400, problems),
      publicBaseUrl: baseUrl(env, 'DICOM_PUBLIC_BASE_URL', problems),
      localFeedAlwaysStage: flag(env, 'DICOM_LOCAL_FEED_ALWAYS_STAGE', problems),
    },
    import: {
      enabled: nonEmpty(env.DICOM_IMPORT_ENABLED) === undefined || flag(env, 'DICOM_IMPORT_ENABLED', problems),
      container: containerName(env, 'DICOM_IMPORT_CONTAINER', 'dicom-import', problems),
      errorContainer: containerName(env, 'DICOM_IMPORT_ERROR_CONTAINER', 'dicom-import-errors', problems),
      errorQueue: queueName(env, 'DICOM_IMPORT_ERROR_QUEUE', 'dicom-import-errors', problems),
      maxFilesPerRun: integer(env, 'DICOM_IMPORT_MAX_FILES_PER_RUN', 500, 1, 100_000, problems),
      maxBytesPerRun: integer(env, 'DICOM_IMPORT_MAX_BYTES_PER_RUN', 8 * GiB, MiB, Number.MAX_SAFE_INTEGER, problems),
      concurrency: integer(env, 'DICOM_IMPORT_CONCURRENCY', 8, 1, 64, problems),
    },
    search: { costHeader: flag(env, 'DICOM_SEARCH_COST_HEADER', problems) },
    export: {
      enabled: nonEmpty(env.DICOM_EXPORT_ENABLED) === undefined || flag(env, 'DICOM_EXPORT_ENABLED', problems),
    },
    operations: { staleSeconds: integer(env, 'DICOM_OPERATION_STALE_SECONDS', 60, 5, 3600, problems) },
    events: {
      enabled: nonEmpty(env.DICOM_EVENTS_ENABLED) === undefined || flag(env, 'DICOM_EVENTS_ENABLED', problems),
      queue: queueName(env, 'DICOM_EVENTS_QUEUE', 'dicom-events', problems),
      topicEndpoint: baseUrl(env, 'DICOM_EVENTGRID_TOPIC_ENDPOINT', problems),
      topic: nonEmpty(env.DICOM_EVENTS_TOPIC),
      filteredQueues: parseFilteredQueues(nonEmpty(env.DICOM_EVENTS_FILTERED_QUEUES), problems),
      localPauseAt: nonEmpty(env.DICOM_LOCAL_PAUSE_AT),
    },
    ...accessSections(env, problems),
  };
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}.`);
  }
  return config;
}

/** A blob container name: 3 to 63 lowercase letters, digits and single hyphens. */
function containerName(env: NodeJS.ProcessEnv, name: string, fallback: string, problems: string[]): string {
  const value = nonEmpty(env[name]) ?? fallback;
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(value))
    problems.push(`${name} "${value}" is not a valid container name`);
  return value;
}

/** A Storage Queue name: 3 to 63 lowercase letters, digits and single hyphens. */
function queueName(env: NodeJS.ProcessEnv, name: string, fallback: string, problems: string[]): string {
  const value = nonEmpty(env[name]) ?? fallback;
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(value))
    problems.push(`${name} "${value}" is not a valid queue name`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function flag(env: NodeJS.ProcessEnv, name: string, problems: string[]): boolean {
  const raw = nonEmpty(env[name])?.toLowerCase();
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  problems.push(`${name} must be true or false, not "${raw}"`);
  return false;
}

/** An absolute http(s) URL without credentials, query or fragment; returned without a trailing slash. */
function baseUrl(env: NodeJS.ProcessEnv, name: string, problems: string[]): string | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    raw.includes('?') ||
    raw.includes('#')
  ) {
    problems.push(`${name} must be an http(s) URL without credentials, query or fragment, not "${raw}"`);
    return undefined;
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
    return fallback;
  }
  return value;
}
