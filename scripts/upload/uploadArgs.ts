/** The upload tool's command line (docs/lifecycle.md, "Upload tool"). */
import type { ImportTargetOptions } from './importUpload';

export interface UploadOptions {
  readonly paths: readonly string[];
  /** The versioned base, e.g. `http://localhost:7071/v2`. */
  readonly baseUrl: string;
  readonly method: 'POST' | 'PUT';
  readonly concurrency: number;
  /** Files up to this size go in multipart batches; larger ones alone. */
  readonly batchBytes: number;
  readonly batchFiles: number;
  readonly retries: number;
  /** Ask the server which instances it has before sending (QIDO by SOP Instance UID). */
  readonly skipExisting: boolean;
  readonly token: string | undefined;
  /** Print the summary as JSON on stdout. */
  readonly json: boolean;
  readonly quiet: boolean;
  /** Where files above the server's request limit go instead (bulk import, docs/import.md). */
  readonly importTarget: ImportTargetOptions;
}

export const USAGE = `Usage: npm run upload -- <folder or files...> --url <service URL> [options]

Sends DICOM files (folders are walked) with STOW-RS, small files in multipart batches.
  --url URL            the service, e.g. http://localhost:7071 (/v2 is added unless the URL names a version)
  --put                upsert with PUT /v2/studies instead of POST (replaces stored instances)
  --concurrency N      requests in flight (default 4)
  --batch-mb N         multipart batch size in MiB; larger files go alone (default 8)
  --batch-files N      files per batch at most (default 50)
  --retries N          attempts per request after a 503, 429 or network error (default 6)
  --no-skip            send everything, without asking the server what it has
  --token TOKEN        bearer token (or DICOM_TOKEN in the environment)
  --json               print the summary as JSON
  --quiet              no progress bar
Files above the server's request limit (413) go to its bulk import container when given one:
  --import-connection-string CS   the server's storage account (or DICOM_IMPORT_CONNECTION_STRING)
  --import-container NAME         the import container with a connection string (default dicom-import)
  --import-sas-url URL            or the import container's URL with a SAS (create and write)
  --import-wait N                 seconds to wait for each imported file to be searchable (default 600)`;

export function parseUploadArgs(argv: readonly string[], env: NodeJS.ProcessEnv): UploadOptions {
  const paths: string[] = [];
  let url: string | undefined;
  let method: 'POST' | 'PUT' = 'POST';
  let concurrency = 4;
  let batchMiB = 8;
  let batchFiles = 50;
  let retries = 6;
  let skipExisting = true;
  let token = env.DICOM_TOKEN?.trim() || undefined;
  let json = false;
  let quiet = false;
  let importConnectionString = env.DICOM_IMPORT_CONNECTION_STRING?.trim() || undefined;
  let importSasUrl: string | undefined;
  let importContainer = 'dicom-import';
  let importWait = 600;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value.\n\n${USAGE}`);
      return next;
    };
    switch (arg) {
      case '--url':
        url = value();
        break;
      case '--put':
        method = 'PUT';
        break;
      case '--concurrency':
        concurrency = whole(arg, value(), 1, 64);
        break;
      case '--batch-mb':
        batchMiB = whole(arg, value(), 1, 1024);
        break;
      case '--batch-files':
        batchFiles = whole(arg, value(), 1, 1000);
        break;
      case '--retries':
        retries = whole(arg, value(), 0, 100);
        break;
      case '--no-skip':
        skipExisting = false;
        break;
      case '--token':
        token = value();
        break;
      case '--json':
        json = true;
        break;
      case '--quiet':
        quiet = true;
        break;
      case '--import-connection-string':
        importConnectionString = value();
        break;
      case '--import-container':
        importContainer = value();
        break;
      case '--import-sas-url':
        importSasUrl = sasUrl(value());
        break;
      case '--import-wait':
        importWait = whole(arg, value(), 1, 86_400);
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        if (arg.startsWith('--')) throw new Error(`Unknown option ${arg}.\n\n${USAGE}`);
        paths.push(arg);
    }
  }
  if (paths.length === 0 || url === undefined) throw new Error(USAGE);
  return {
    paths,
    baseUrl: versionedBase(url),
    method,
    concurrency,
    batchBytes: batchMiB * 1024 * 1024,
    batchFiles,
    retries,
    skipExisting,
    token,
    json,
    quiet,
    importTarget: {
      connectionString: importConnectionString,
      sasUrl: importSasUrl,
      container: importContainer,
      waitSeconds: importWait,
    },
  };
}

function sasUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('--import-sas-url must be a container URL with a SAS.');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.search) {
    throw new Error('--import-sas-url must be an http(s) container URL with a SAS query.');
  }
  return raw;
}

function whole(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${text}".`);
  }
  return value;
}

function versionedBase(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--url must be an http(s) URL, not "${raw}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--url must be http(s), not "${raw}".`);
  const base = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  return /\/v\d+$/.test(base) ? base : `${base}/v2`;
}
