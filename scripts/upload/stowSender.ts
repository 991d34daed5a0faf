/**
 * Sends one batch of files as a STOW-RS request and sorts out what happened to each file: stored,
 * already there (45070), to retry (45071 and 272: the server says try again), or failed for good.
 * A 503 or 429 (or a network error) retries the whole request after a backoff that honours
 * Retry-After; a 413 is answered per file (a batch is split by the caller).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DicomFile } from './fileScan';

export type FileOutcome =
  | { kind: 'stored' }
  | { kind: 'exists' }
  | { kind: 'retry'; reason: string }
  | { kind: 'tooLarge'; message: string }
  | { kind: 'failed'; reason: string };

export interface BatchResult {
  readonly outcomes: ReadonlyMap<DicomFile, FileOutcome>;
  /** Request attempts beyond the first (503, 429, network errors). */
  readonly retried: number;
}

export interface SendOptions {
  readonly url: string;
  readonly method: 'POST' | 'PUT';
  readonly token: string | undefined;
  readonly retries: number;
  /** Bytes of file content put on the wire, for the progress bar. */
  readonly onBytes: (bytes: number) => void;
}

interface Reply {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
}

const FAILED_SOP_SEQUENCE = '00081198';
const REFERENCED_SOP_SEQUENCE = '00081199';
const REFERENCED_SOP_INSTANCE_UID = '00081155';
const FAILURE_REASON = '00081197';
/** Failure reasons the server asks a client to send again (busy, processing failure). */
const RETRY_REASONS = new Set([45071, 272]);
const MAX_BACKOFF_MS = 30_000;

export async function sendBatch(files: readonly DicomFile[], options: SendOptions): Promise<BatchResult> {
  let retried = 0;
  for (let attempt = 0; ; attempt++) {
    let reply: Reply | undefined;
    let problem: string;
    try {
      reply = await request(files, options);
      if (reply.status !== 503 && reply.status !== 429 && reply.status !== 502 && reply.status !== 504) {
        return { outcomes: outcomesOf(files, reply), retried };
      }
      problem = `HTTP ${reply.status}`;
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (attempt >= options.retries) {
      return {
        outcomes: new Map(files.map((f) => [f, { kind: 'failed', reason: `gave up after ${problem}` }])),
        retried,
      };
    }
    retried += 1;
    await sleep(backoffMs(attempt, reply?.retryAfter));
  }
}

/** Exponential with full jitter from 500 ms, capped; a Retry-After in seconds wins. */
function backoffMs(attempt: number, retryAfter: string | undefined): number {
  const seconds = retryAfter === undefined ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_BACKOFF_MS);
  return Math.random() * Math.min(500 * 2 ** attempt, MAX_BACKOFF_MS);
}

function outcomesOf(files: readonly DicomFile[], reply: Reply): Map<DicomFile, FileOutcome> {
  const all = (outcome: FileOutcome) => new Map(files.map((f) => [f, outcome]));
  if (reply.status === 413) {
    const size = files.reduce((sum, f) => sum + f.size, 0);
    return all({
      kind: 'tooLarge',
      message: `${size} bytes is above the server's request limit; bulk import is the way for such files (${firstLine(reply.body)})`,
    });
  }
  if (reply.status === 204) return all({ kind: 'failed', reason: 'the server found no instance in the request' });
  if (![200, 202, 409].includes(reply.status)) {
    return all({ kind: 'failed', reason: `HTTP ${reply.status}: ${firstLine(reply.body)}` });
  }
  let body: Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>;
  try {
    body = JSON.parse(reply.body) as typeof body;
  } catch {
    return all({ kind: 'failed', reason: `HTTP ${reply.status} without a DICOM JSON body` });
  }
  const bySop = new Map<string, FileOutcome>();
  for (const item of body[REFERENCED_SOP_SEQUENCE]?.Value ?? []) {
    const sop = item[REFERENCED_SOP_INSTANCE_UID]?.Value?.[0];
    if (typeof sop === 'string') bySop.set(sop, { kind: 'stored' });
  }
  for (const item of body[FAILED_SOP_SEQUENCE]?.Value ?? []) {
    const sop = item[REFERENCED_SOP_INSTANCE_UID]?.Value?.[0];
    const reason = Number(item[FAILURE_REASON]?.Value?.[0]);
    if (typeof sop !== 'string') continue;
    bySop.set(
      sop,
      reason === 45070
        ? { kind: 'exists' }
        : RETRY_REASONS.has(reason)
          ? { kind: 'retry', reason: `failure reason ${reason}` }
          : { kind: 'failed', reason: `failure reason ${reason}` },
    );
  }
  return new Map(files.map((f) => [f, bySop.get(f.sop) ?? { kind: 'failed', reason: 'not named in the response' }]));
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.slice(0, 200) ?? '';
}

/** One request: a lone file as application/dicom, streamed; several as multipart/related. */
async function request(files: readonly DicomFile[], options: SendOptions): Promise<Reply> {
  const headers: Record<string, string> = { Accept: 'application/dicom+json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (files.length === 1) {
    const file = files[0] as DicomFile;
    headers['Content-Type'] = 'application/dicom';
    headers['Content-Length'] = String(file.size);
    return send(options, headers, (req) => {
      const stream = createReadStream(file.path);
      stream.on('data', (chunk) => options.onBytes(chunk.length));
      stream.on('error', (error) => req.destroy(error));
      stream.pipe(req);
    });
  }
  const boundary = `dicomweb-upload-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`));
    parts.push(await readFile(file.path));
  }
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  const body = Buffer.concat(parts);
  headers['Content-Type'] = `multipart/related; type="application/dicom"; boundary=${boundary}`;
  headers['Content-Length'] = String(body.length);
  const fileBytes = files.reduce((sum, f) => sum + f.size, 0);
  return send(options, headers, (req) => {
    req.end(body, () => options.onBytes(fileBytes));
  });
}

function send(
  options: SendOptions,
  headers: Record<string, string>,
  write: (req: http.ClientRequest) => void,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const url = new URL(options.url);
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, { method: options.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: res.headers['retry-after'],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(300_000, () => req.destroy(new Error('no answer in 300 s')));
    // The server may answer (413) before it has read the body, and close: the answer is what counts.
    req.on('error', (error) => reject(error));
    write(req);
  });
}
