/**
 * What the operation benchmarks (bench:export, bench:bulk-update) share: the app on the local
 * host with its queue triggers over an in-memory Azurite, studies stored one STOW request each, and
 * an operation followed from its 202 to its end.
 */
import { parseArgs } from 'node:util';
import { startAzurite } from '../host/azurite';
import type { FunctionsHost } from '../host/functionsHost/functionsHost';
import { resetConfig } from '../shared/config';
import { resetClients } from '../shared/storage/clients';
import { ensureStorage } from '../shared/storage/provision';
import { makeDicom, newUid } from '../test/support/dicomFactory';
import { stowFiles } from '../test/support/stowClient';
import { startBenchFunctionsHost } from './benchHost';
import { numberAtLeast } from './cliArgs';

const MB = 1e6;

export interface StudyArgs {
  readonly studies: number;
  readonly perStudy: number;
  readonly kib: number;
}

/** `--studies`, `--per-study` and `--kib`, with the bench's defaults. */
export function studyArgs(defaults: { studies: number; perStudy: number; kib: number }): StudyArgs {
  const { values } = parseArgs({
    options: {
      studies: { type: 'string', default: String(defaults.studies) },
      'per-study': { type: 'string', default: String(defaults.perStudy) },
      kib: { type: 'string', default: String(defaults.kib) },
    },
  });
  return {
    studies: Math.floor(numberAtLeast('studies', values.studies, 1)),
    perStudy: Math.floor(numberAtLeast('per-study', values['per-study'], 1)),
    kib: numberAtLeast('kib', values.kib, 0),
  };
}

export interface OperationBenchServer {
  readonly url: string;
  readonly connectionString: string;
  readonly host: FunctionsHost;
}

/** Runs `work` against the app with its queue triggers on a fresh in-memory Azurite. */
export async function withQueueServer<T>(work: (server: OperationBenchServer) => Promise<T>): Promise<T> {
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  // The host's queue triggers connect through AzureWebJobsStorage, as under Core Tools.
  Object.assign(process.env, {
    DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
    AzureWebJobsStorage: azurite.connectionString,
  });
  resetConfig();
  resetClients();
  const host = await startBenchFunctionsHost({ runQueueTriggers: true });
  try {
    await ensureStorage();
    const { url } = await host.http.listen(0, '127.0.0.1');
    return await work({ url, connectionString: azurite.connectionString, host });
  } finally {
    await host.stop();
    await azurite.stop();
  }
}

export interface StoredStudies {
  readonly uids: readonly string[];
  readonly count: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** `args.studies` studies of `args.perStudy` instances (in `seriesPerStudy` series), one request each. */
export async function storeStudies(url: string, args: StudyArgs, seriesPerStudy: number): Promise<StoredStudies> {
  const uids: string[] = [];
  let bytes = 0;
  const start = performance.now();
  for (let study = 0; study < args.studies; study += 1) {
    const studyUid = newUid();
    const series = Array.from({ length: seriesPerStudy }, () => newUid());
    const files = Array.from({ length: args.perStudy }, (_, index) =>
      makeDicom({
        studyInstanceUid: studyUid,
        seriesInstanceUid: series[index % seriesPerStudy] ?? '',
        sopInstanceUid: newUid(),
        pixelDataBytes: args.kib * 1024,
      }),
    );
    bytes += files.reduce((sum, file) => sum + file.length, 0);
    const reply = await stowFiles(`${url}/v2/studies`, files);
    if (reply.status !== 200) throw new Error(`STOW answered ${reply.status}`);
    uids.push(studyUid);
  }
  return { uids, count: args.studies * args.perStudy, bytes, seconds: (performance.now() - start) / 1000 };
}

/** Polls an operation until it ends (at most 10 minutes); its results, or an error unless it succeeded. */
export async function operationResults(href: string): Promise<unknown> {
  for (let polls = 0; polls <= 30_000; polls += 1) {
    const response = await fetch(href);
    const body = (await response.json()) as { status: string; results?: unknown };
    if (response.status === 200) {
      if (body.status !== 'succeeded') throw new Error(`the operation ended ${body.status}: ${JSON.stringify(body)}`);
      return body.results;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the operation did not end within 10 minutes');
}

/** `N instances/s, M MB/s` for the stored studies done in `seconds`. */
export function rateOf(stored: StoredStudies, seconds: number): string {
  return `${(stored.count / seconds).toFixed(0)} instances/s, ${(stored.bytes / MB / seconds).toFixed(1)} MB/s`;
}
