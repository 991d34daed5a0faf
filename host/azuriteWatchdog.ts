/**
 * Preloaded into every Azurite process we start (`node --require`), before Azurite itself loads.
 *
 * Azurite keeps blob, queue and table metadata in LokiJS databases and writes them to its
 * location every 5 s, and on shutdown: its SIGTERM/SIGINT handler closes the servers, and LokiJS's
 * close() saves a database that changed since its last save. Three things make that dependable:
 *
 * - Output errors are ignored. Azurite logs "service is closing" on shutdown; with its stdout a
 *   pipe whose reader is gone (the parent died), that write failed with EPIPE and the unhandled
 *   error killed Azurite before the save, losing every change of the last 5 s.
 * - Every database close is reported on stdout (`[azurite-save] ...`), and once all are closed the
 *   process exits; a stopper reads the last line to know the data was saved.
 * - With `AZURITE_WATCH_STDIN=1` (a child of a test or tool), the end of stdin, i.e. the parent
 *   closed it or died, even by SIGKILL, starts that same shutdown. A timer ends it if it hangs.
 */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { inspect } from 'node:util';
import { AZURITE_SAVE_REPORT } from './azurite';
const HUNG_SHUTDOWN_MS = 60_000;
/** In memory there is nothing to save: idle client sockets may keep Azurite up, so it ends sooner. */
const IN_MEMORY_SHUTDOWN_MS = 5000;

interface LokiLike {
  filename: string;
  autosave: boolean;
  autosaveDirty(): boolean;
  /** Calls back once no save is under way (an autosave may be writing when close() finds nothing dirty). */
  throttledSaveDrain(callback: () => void): void;
}
interface LokiConstructor {
  prototype: {
    autosaveEnable: (this: LokiLike, ...args: unknown[]) => void;
    close: (this: LokiLike, callback?: (error?: unknown) => void) => void;
  };
}

for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

/** Writes a line to stdout now (also from an `exit` handler), ignoring a closed stdout. */
function report(line: string): void {
  try {
    writeSync(1, `${line}\n`);
  } catch {
    // nobody reads stdout any more
  }
}

const persistent = new Set<string>();
const closed = new Map<string, 'saved' | 'unchanged'>();
const failed = new Map<string, string>();

function watchLoki(): void {
  let Loki: LokiConstructor;
  try {
    // The LokiJS that Azurite itself loads (resolved from its folder).
    const load = createRequire(require.resolve('azurite/package.json'));
    Loki = load('lokijs') as LokiConstructor;
  } catch {
    return; // not Azurite's layout: nothing to report
  }
  const { autosaveEnable, close } = Loki.prototype;
  // Azurite's file-backed databases are exactly those with autosave on (in-memory ones have none).
  Loki.prototype.autosaveEnable = function (this: LokiLike, ...args: unknown[]) {
    persistent.add(this.filename);
    autosaveEnable.apply(this, args);
  };
  Loki.prototype.close = function (this: LokiLike, callback?: (error?: unknown) => void) {
    const name = this.filename;
    const dirty = this.autosave && this.autosaveDirty();
    const closedOne = (error?: unknown): void => {
      if (error) failed.set(name, inspect(error));
      else if (!closed.has(name)) closed.set(name, dirty ? 'saved' : 'unchanged');
      report(
        `[azurite-save] ${path.basename(name)}: ${error ? `FAILED ${inspect(error)}` : dirty ? 'saved' : 'unchanged'}`,
      );
      if (persistent.size > 0 && closed.size + failed.size >= persistent.size) {
        // Every database is closed: Azurite's own shutdown may still wait for idle sockets.
        setImmediate(() => process.exit(failed.size === 0 ? 0 : 1));
      }
      callback?.(error);
    };
    close.call(this, (error?: unknown) => this.throttledSaveDrain(() => closedOne(error)));
  };
}

watchLoki();

process.once('exit', () => {
  if (persistent.size > 0) {
    report(`${AZURITE_SAVE_REPORT} onDisk=${closed.size}/${persistent.size} errors=${failed.size}`);
  }
});

/** Azurite's handler does the shutdown; this only ends a shutdown that hangs (or one before Azurite listens). */
function backstop(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) === 0) process.exit(1); // still starting: the default action
  setTimeout(() => process.exit(1), persistent.size > 0 ? HUNG_SHUTDOWN_MS : IN_MEMORY_SHUTDOWN_MS).unref();
}
process.once('SIGTERM', backstop).once('SIGINT', backstop);

if (process.env.AZURITE_WATCH_STDIN === '1') {
  const shutdown = (): void => {
    process.kill(process.pid, 'SIGTERM');
  };
  process.stdin.once('end', shutdown).once('error', shutdown).resume();
}
