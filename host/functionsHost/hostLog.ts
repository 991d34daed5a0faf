import type { LogLevel } from '../worker/coreTypes';
import type { WorkerLogger } from '../worker/nodeWorker';

const RANK: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
  none: 6,
};

/**
 * Worker, library and app log lines on the console from `minLevel` on (information, as the host
 * logs by default), with the function and invocation id; warnings and errors to stderr.
 */
export function consoleLogger(minLevel: LogLevel = 'information'): WorkerLogger {
  return lineLogger(minLevel, (level, line) => {
    if (RANK[level] >= RANK.warning) console.error(line);
    else console.log(line);
  });
}

/** The same lines, handed to `write` (tests keep them). */
export function lineLogger(minLevel: LogLevel, write: (level: LogLevel, line: string) => void): WorkerLogger {
  return (entry) => {
    if (entry.level === 'none' || RANK[entry.level] < RANK[minLevel]) return;
    const who = entry.functionName ? ` ${entry.functionName} ${entry.invocationId ?? ''}`.trimEnd() : '';
    write(entry.level, `[${entry.level}]${who}: ${entry.message}`);
  };
}
