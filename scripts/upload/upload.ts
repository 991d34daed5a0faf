/**
 * `npm run upload -- <folder or files> --url <service>`: sends a folder of DICOM files with STOW-RS
 * (docs/lifecycle.md, "Upload tool"): several requests at once, small files in multipart batches,
 * retries with backoff on 503/429, resume by asking the server what it already has, and a progress
 * bar. A file above the server's request limit is reported (413) and the rest goes on, or, given
 * the import container, written there for the server's bulk import (docs/import.md).
 */
import { mapConcurrently } from '../../shared/changefeed/mapConcurrently';
import { alreadyStored } from './existingInstances';
import { identify, listFiles, type DicomFile, type Skipped } from './fileScan';
import { importContainer, importLargeFile } from './importUpload';
import { ProgressBar, type Progress } from './progressBar';
import { sendBatch, type FileOutcome } from './stowSender';
import { parseUploadArgs, type UploadOptions } from './uploadArgs';

export interface UploadSummary {
  files: number;
  stored: number;
  /** Found on the server before sending (resume), or answered 45070. */
  alreadyThere: number;
  notDicom: number;
  tooLarge: number;
  /** Above the request limit, written to the import container and found by QIDO afterwards. */
  imported: number;
  failed: number;
  requests: number;
  retriedRequests: number;
  bytesSent: number;
  seconds: number;
}

interface Job {
  readonly files: readonly DicomFile[];
  /** How many times these files were sent already after a per-instance "try again". */
  readonly round: number;
}

const IDENTIFY_CONCURRENCY = 8;

export async function upload(options: UploadOptions, log: (line: string) => void): Promise<UploadSummary> {
  const started = Date.now();
  const paths = await listFiles(options.paths);
  const scanned = await mapConcurrently(paths, IDENTIFY_CONCURRENCY, identify);
  const dicom = scanned.filter((s): s is DicomFile => 'sop' in s);
  for (const skipped of scanned.filter((s): s is Skipped => !('sop' in s)))
    log(`skipped ${skipped.path}: ${skipped.reason}`);
  const existing = options.skipExisting
    ? await alreadyStored(dicom, options.baseUrl, options.token)
    : new Set<DicomFile>();
  const toSend = dicom.filter((f) => !existing.has(f));
  const summary: UploadSummary = {
    files: paths.length,
    stored: 0,
    alreadyThere: existing.size,
    notDicom: paths.length - dicom.length,
    tooLarge: 0,
    imported: 0,
    failed: 0,
    requests: 0,
    retriedRequests: 0,
    bytesSent: 0,
    seconds: 0,
  };
  const progress: Progress = {
    filesDone: 0,
    filesTotal: toSend.length,
    bytesSent: 0,
    bytesTotal: toSend.reduce((sum, f) => sum + f.size, 0),
    failed: 0,
    skipped: existing.size,
  };
  if (existing.size > 0) log(`${existing.size} file(s) already on the server: not sent`);
  const bar = new ProgressBar(progress, process.stderr, !options.quiet);
  bar.start();

  const imports = importContainer(options.importTarget);
  const toImport: DicomFile[] = [];
  const queue: Job[] = batches(toSend, options).map((files) => ({ files, round: 0 }));
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      summary.requests += 1;
      const result = await sendBatch(job.files, {
        url: `${options.baseUrl}/studies`,
        method: options.method,
        token: options.token,
        retries: options.retries,
        onBytes: (bytes) => {
          progress.bytesSent += bytes;
        },
      });
      summary.retriedRequests += result.retried;
      const again: DicomFile[] = [];
      let busy = false;
      for (const [file, outcome] of result.outcomes) {
        if (outcome.kind === 'retry') busy = true;
        if (outcome.kind === 'tooLarge' && job.files.length === 1 && imports) toImport.push(file);
        else if (settle(file, outcome, job, again, summary, log)) {
          progress.filesDone += 1;
          if (outcome.kind !== 'stored' && outcome.kind !== 'exists') progress.failed += 1;
        }
      }
      // Files of a refused batch go alone; files the server asked for again wait a little first.
      for (const file of again) queue.push({ files: [file], round: job.round + 1 });
      if (busy) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** job.round, 10_000)));
      }
    }
  };
  // Workers end when the queue is empty; requeued jobs are picked up by those still running, so
  // run rounds until nothing is left.
  while (queue.length > 0) {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, queue.length) }, () => worker()));
  }
  // One at a time: each is large, and the server imports them one run after the other anyway.
  for (const file of toImport) {
    if (!imports) break;
    log(`importing ${file.path} (${file.size} bytes) through ${imports.containerName}`);
    const result = await importLargeFile(
      file,
      imports,
      options.baseUrl,
      options.token,
      options.importTarget.waitSeconds,
    );
    progress.filesDone += 1;
    if (result.kind === 'imported') summary.imported += 1;
    else {
      summary.failed += 1;
      progress.failed += 1;
      log(`failed: ${file.path}: ${result.reason}`);
    }
  }
  bar.stop();
  summary.bytesSent = progress.bytesSent;
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/** Records a file's outcome; false when it goes back in the queue (`again`). */
function settle(
  file: DicomFile,
  outcome: FileOutcome,
  job: Job,
  again: DicomFile[],
  summary: UploadSummary,
  log: (line: string) => void,
): boolean {
  switch (outcome.kind) {
    case 'stored':
      summary.stored += 1;
      return true;
    case 'exists':
      summary.alreadyThere += 1;
      return true;
    case 'tooLarge':
      if (job.files.length > 1) {
        again.push(file);
        return false;
      }
      summary.tooLarge += 1;
      log(`too large: ${file.path}: ${outcome.message}`);
      return true;
    case 'retry':
      if (job.round < 5) {
        again.push(file);
        return false;
      }
      summary.failed += 1;
      log(`failed: ${file.path}: ${outcome.reason}, still after ${job.round + 1} tries`);
      return true;
    case 'failed':
      summary.failed += 1;
      log(`failed: ${file.path}: ${outcome.reason}`);
      return true;
  }
}

/** Small files together (up to the batch's bytes and count), each larger file alone. */
function batches(files: readonly DicomFile[], options: UploadOptions): DicomFile[][] {
  const result: DicomFile[][] = [];
  let current: DicomFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (file.size >= options.batchBytes) {
      result.push([file]);
      continue;
    }
    if (current.length >= options.batchFiles || bytes + file.size > options.batchBytes) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

async function main(): Promise<void> {
  let options: UploadOptions;
  try {
    options = parseUploadArgs(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  const summary = await upload(options, (line) => console.error(line));
  const rate = summary.bytesSent / (1024 * 1024) / Math.max(summary.seconds, 0.001);
  if (options.json) console.log(JSON.stringify(summary));
  else {
    console.log(
      `${summary.stored} stored, ${summary.imported} imported, ${summary.alreadyThere} already on the server, ${summary.tooLarge} too large, ` +
        `${summary.failed} failed, ${summary.notDicom} not DICOM; ${summary.requests} requests ` +
        `(${summary.retriedRequests} retried) in ${summary.seconds.toFixed(1)} s, ${rate.toFixed(1)} MiB/s`,
    );
  }
  process.exitCode = summary.failed + summary.tooLarge > 0 ? 1 : 0;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
