/**
 * A small pool of pixel worker threads with a bounded queue. Codecs are CPU-bound WebAssembly:
 * run on the event loop, one JPEG 2000 frame would stall every other request for its duration.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { NotAcceptableError, ServiceUnavailableError } from '../errors';
import type { PixelResult, PixelTask } from './pixelTasks';

/** Workers at most: one per core, up to 4 (each holds its codecs' memory, about 30 MiB). */
export const PIXEL_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

/** Tasks waiting for a worker at most; more are refused with 503 rather than queued without end. */
export const MAX_QUEUED_PIXEL_TASKS = 64;

/** A task still running after this long is stopped (its worker is replaced) and answered 406. */
export const PIXEL_TASK_TIMEOUT_MS = 60_000;

const WORKER_SCRIPT = path.join(__dirname, 'pixelWorker.js');

interface Job {
  readonly task: PixelTask;
  readonly transfer: ArrayBuffer[];
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
}

const idle: Slot[] = [];
const queue: Job[] = [];
let started = 0;

/** Runs a task on a pixel worker; `transfer` lists the task's buffers to move rather than copy. */
export function runPixelTask(task: PixelTask, transfer: ArrayBuffer[] = []): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const job: Job = { task, transfer, resolve, reject };
    const slot = idle.pop() ?? (started < PIXEL_WORKERS ? startWorker() : undefined);
    if (slot) return dispatch(slot, job);
    if (queue.length >= MAX_QUEUED_PIXEL_TASKS) {
      reject(new ServiceUnavailableError('The server is busy converting images; retry in a few seconds.'));
      return;
    }
    queue.push(job);
  });
}

function startWorker(): Slot {
  started += 1;
  const worker = new Worker(WORKER_SCRIPT);
  const slot: Slot = { worker, job: undefined, timer: undefined };
  worker.on('message', (result: PixelResult) => finish(slot, result));
  worker.on('error', (error) =>
    replace(slot, new NotAcceptableError(`The image could not be converted: ${error.message}`)),
  );
  worker.on('exit', () =>
    replace(slot, new NotAcceptableError('The image could not be converted: its worker stopped.')),
  );
  // Idle workers must not keep a process alive that has nothing else to do (after the listeners,
  // which would otherwise ref the worker again).
  worker.unref();
  return slot;
}

function dispatch(slot: Slot, job: Job): void {
  slot.job = job;
  // A busy worker keeps the process alive until it answers; an idle one does not.
  slot.worker.ref();
  slot.timer = setTimeout(() => {
    replace(slot, new NotAcceptableError('The image could not be converted in the time allowed.'));
  }, PIXEL_TASK_TIMEOUT_MS);
  slot.timer.unref();
  slot.worker.postMessage(job.task, job.transfer);
}

function finish(slot: Slot, result: PixelResult): void {
  const job = slot.job;
  clearTimeout(slot.timer);
  slot.job = undefined;
  if (job) {
    if (result.ok) job.resolve(result.bytes);
    else job.reject(new NotAcceptableError(failureMessage(result.failure.kind, result.failure.message)));
  }
  next(slot);
}

function failureMessage(kind: 'unconvertible' | 'tooLarge', detail: string): string {
  if (kind === 'tooLarge') return detail;
  return `An error was encountered when attempting to convert the DICOM file into the requested format: ${detail.slice(0, 200)}`;
}

/** Ends a worker that failed or overran; its job fails, and the queue moves to a fresh worker. */
function replace(slot: Slot, error: Error): void {
  if (slot.worker.listenerCount('message') === 0) return;
  slot.worker.removeAllListeners();
  slot.worker.on('error', () => undefined);
  void slot.worker.terminate();
  clearTimeout(slot.timer);
  started -= 1;
  const index = idle.indexOf(slot);
  if (index >= 0) idle.splice(index, 1);
  slot.job?.reject(error);
  slot.job = undefined;
  const waiting = queue.shift();
  if (waiting) dispatch(startWorker(), waiting);
}

function next(slot: Slot): void {
  const waiting = queue.shift();
  if (waiting) return dispatch(slot, waiting);
  slot.worker.unref();
  idle.push(slot);
}
