/**
 * Preloaded into the server the search benchmark starts (NODE_OPTIONS=--require …) when it runs with
 * --server-crash-log FILE: records an uncaught exception or unhandled rejection, and the exit code,
 * in FILE, without changing what the process does (startOurServer keeps the server's output to itself).
 */
import { appendFileSync } from 'node:fs';

const file = process.env.SEARCH_BENCH_CRASH_LOG;
if (file) {
  const write = (line: string): void => {
    try {
      appendFileSync(
        file,
        `${new Date().toISOString()} pid ${process.pid} ${process.argv.slice(1, 2).join(' ')}: ${line}\n`,
      );
    } catch {
      // Nothing to do: the log is a diagnostic.
    }
  };
  process.on('uncaughtExceptionMonitor', (error, origin) => {
    write(`${origin}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  });
  process.on('exit', (code) => write(`exit ${code}`));
}
