import { InvocationContext, type LogLevel } from '@azure/functions';
import { inspect } from 'node:util';

/** Where a handler's `context.log/warn/error` lines go, and from which level on. */
export interface InvocationLogger {
  readonly minLevel: LogLevel;
  write(level: LogLevel, line: string): void;
}

const RANK: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
  none: 6,
};

/** Information and above, as the Functions host logs by default; warnings and errors to stderr. */
export function consoleLogger(minLevel: LogLevel = 'information'): InvocationLogger {
  return {
    minLevel,
    write(level, line) {
      if (RANK[level] >= RANK.warning) console.error(line);
      else console.log(line);
    },
  };
}

/**
 * The context a handler receives. Its log handler prints the level, the function and the
 * invocation id with the message, and errors as `Name: message` with their causes: a local
 * console full of stack traces hides the one line that matters.
 */
export function createInvocationContext(
  functionName: string,
  invocationId: string,
  logger: InvocationLogger,
): InvocationContext {
  return new InvocationContext({
    invocationId,
    functionName,
    logHandler: (level, ...args) => {
      if (level === 'none' || RANK[level] < RANK[logger.minLevel]) return;
      logger.write(level, `[${level}] ${functionName} ${invocationId}: ${args.map(describe).join(' ')}`);
    },
  });
}

function describe(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg instanceof Error) return describeError(arg, 0);
  return inspect(arg, { depth: 3, breakLength: Infinity });
}

function describeError(error: Error, depth: number): string {
  const text = `${error.name}: ${error.message}`;
  const cause: unknown = error.cause;
  if (cause === undefined || depth >= 3) return text;
  return `${text} (caused by ${cause instanceof Error ? describeError(cause, depth + 1) : describe(cause)})`;
}
