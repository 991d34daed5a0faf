import { randomUUID } from 'node:crypto';
import type { NodeWorker, WorkerLogger } from '../worker/nodeWorker';
import type { IndexedTriggerFunction } from './functionIndex';
import { parseSchedule } from './ncrontab';

/**
 * Runs the app's timer functions on their NCRONTAB schedules, through the worker like any other
 * invocation; a run still going when the next is due is skipped, as the host's singleton lock
 * does. Returns a function that stops them all.
 */
export function startTimers(
  worker: NodeWorker,
  timers: readonly IndexedTriggerFunction[],
  log: WorkerLogger,
  now: () => Date = () => new Date(),
): () => void {
  const handles = new Set<NodeJS.Timeout>();
  let stopped = false;
  for (const timer of timers) {
    const schedule = parseSchedule(typeof timer.binding.schedule === 'string' ? timer.binding.schedule : '');
    let running = false;
    const arm = (): void => {
      if (stopped) return;
      const due = schedule.next(now());
      const handle = setTimeout(
        () => {
          handles.delete(handle);
          arm();
          if (running) return;
          running = true;
          void runOnce(worker, timer, due, log).finally(() => (running = false));
        },
        Math.max(0, due.getTime() - now().getTime()),
      );
      handle.unref();
      handles.add(handle);
    };
    arm();
  }
  return () => {
    stopped = true;
    for (const handle of handles) clearTimeout(handle);
    handles.clear();
  };
}

/** One run of a timer function through the worker, as the schedule runs it (tests call it directly). */
export async function invokeTimer(
  worker: NodeWorker,
  timer: IndexedTriggerFunction,
  invocationId: string = randomUUID(),
): Promise<void> {
  await worker.invoke({
    invocationId,
    functionId: timer.id,
    inputData: [
      {
        name: timer.triggerName,
        data: { json: JSON.stringify({ Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false }) },
      },
    ],
    triggerMetadata: {},
  });
}

async function runOnce(worker: NodeWorker, timer: IndexedTriggerFunction, due: Date, log: WorkerLogger): Promise<void> {
  const invocationId = randomUUID();
  try {
    await invokeTimer(worker, timer, invocationId);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log({
      level: 'error',
      category: 'system',
      message: `Timer run due ${due.toISOString()} failed: ${message}`,
      functionName: timer.name,
      invocationId,
    });
  }
}
