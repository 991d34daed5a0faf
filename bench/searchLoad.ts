/**
 * Loads the search benchmark's dataset into a DICOMweb server by STOW-RS: one multipart request per study,
 * `concurrency` requests in flight. Each study's files are built just before its request and dropped after,
 * so memory stays bounded whatever the dataset size. Prints progress about every ten seconds.
 */
import { asError, keepAliveAgent, post, type PostResult } from './httpPost';
import { SEARCH_STOW_CONTENT_TYPE, studyRequestBody, type Dataset } from './searchDataset';

export interface LoadReport {
  readonly studies: number;
  readonly storedStudies: number;
  readonly storedInstances: number;
  readonly failedStudies: number;
  readonly seconds: number;
  readonly instancesPerSecond: number;
  readonly studiesPerSecond: number;
  readonly requestBytes: number;
  /** The first failures (status and body, or network error), at most a few. */
  readonly failures: readonly string[];
  /** Why the load stopped before the end, if it did. */
  readonly abandoned: string | null;
  /** Per study index: 1 when the whole study was stored (HTTP 200). */
  readonly stored: Uint8Array;
}

export interface LoadOptions {
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly progress: (line: string) => void;
  /** Stop early when this many studies in a row failed (the server is not storing anything). */
  readonly hopelessFailures?: number;
  /** False once the server process is gone: the load stops at the next failure. */
  readonly serverAlive?: () => boolean;
  readonly progressSeconds?: number;
}

const RETRIES = 2;
const KEPT_FAILURES = 5;

function retryable(result: PostResult | Error): boolean {
  return result instanceof Error || result.status >= 500 || result.status === 429;
}

export async function loadDataset(base: string, dataset: Dataset, options: LoadOptions): Promise<LoadReport> {
  const url = new URL(`${base.replace(/\/+$/, '')}/studies`);
  const agent = keepAliveAgent(url, options.concurrency);
  const headers = { 'content-type': SEARCH_STOW_CONTENT_TYPE, accept: 'application/dicom+json' };
  const stored = new Uint8Array(dataset.studies.length);
  const failures: string[] = [];
  let next = 0;
  let storedStudies = 0;
  let storedInstances = 0;
  let failedStudies = 0;
  let failedInARow = 0;
  // Set by the workers; the cast keeps TypeScript from narrowing it to null for the code after them.
  let abandoned = null as string | null;
  let requestBytes = 0;
  const hopeless = options.hopelessFailures ?? 20;
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;

  const report = (final: boolean): void => {
    const seconds = elapsed();
    const rate = storedInstances / Math.max(seconds, 1e-3);
    const left = dataset.instances - storedInstances;
    const eta = !final && rate > 0 && left > 0 ? `, about ${formatDuration(left / rate)} left` : '';
    options.progress(
      `   ${final ? 'loaded' : 'loading'}: ${storedInstances.toLocaleString('en-US')} / ${dataset.instances.toLocaleString('en-US')} instances ` +
        `(${storedStudies.toLocaleString('en-US')} studies) in ${seconds.toFixed(0)} s: ` +
        `${rate.toFixed(0)} instances/s, ${(storedStudies / Math.max(seconds, 1e-3)).toFixed(1)} studies/s` +
        `${failedStudies > 0 ? `, ${failedStudies} studies failed` : ''}${eta}`,
    );
  };
  const timer = setInterval(() => report(false), (options.progressSeconds ?? 10) * 1000);

  const worker = async (): Promise<void> => {
    while (next < dataset.studies.length) {
      if (abandoned !== null) return;
      const study = dataset.studies[next];
      next += 1;
      if (study === undefined) return;
      let outcome: PostResult | Error = new Error('not sent');
      for (let attempt = 0; attempt <= RETRIES; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        // Built per attempt: the body's buffers may still be in use by the failed request's socket.
        const body = studyRequestBody(dataset.seed, study);
        try {
          outcome = await post(url, agent, headers, body, options.timeoutMs);
        } catch (error) {
          outcome = asError(error);
        }
        if (!retryable(outcome)) {
          requestBytes += body.length;
          break;
        }
      }
      if (!(outcome instanceof Error) && outcome.status === 200) {
        stored[study.index] = 1;
        failedInARow = 0;
        storedStudies += 1;
        storedInstances += study.instances;
      } else {
        failedStudies += 1;
        failedInARow += 1;
        if (options.serverAlive && !options.serverAlive()) abandoned = 'the server process has exited';
        else if (failedInARow >= hopeless) abandoned = `${failedInARow} studies in a row failed`;
        if (failures.length < KEPT_FAILURES) {
          failures.push(
            `study ${study.index}: ` +
              (outcome instanceof Error
                ? outcome.message
                : `HTTP ${outcome.status}: ${outcome.body.trim().slice(0, 300) || '(empty body)'}`),
          );
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    clearInterval(timer);
    agent.destroy();
  }
  report(true);
  if (abandoned !== null) options.progress(`   ! load abandoned: ${abandoned}`);
  const seconds = elapsed();
  return {
    studies: dataset.studies.length,
    storedStudies,
    storedInstances,
    failedStudies,
    seconds,
    instancesPerSecond: storedInstances / Math.max(seconds, 1e-3),
    studiesPerSecond: storedStudies / Math.max(seconds, 1e-3),
    requestBytes,
    failures,
    abandoned,
    stored,
  };
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
