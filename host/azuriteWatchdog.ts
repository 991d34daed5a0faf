/**
 * Preloaded into the Azurite child process (`node --require`). Its stdin is a pipe from the parent;
 * when the pipe closes (stop(), or the parent died, even by SIGKILL) Azurite shuts down through its
 * own SIGTERM handler, which saves persistent data. A timer ends it if that shutdown hangs.
 */
const shutdown = (): void => {
  setTimeout(() => process.exit(0), 5000).unref();
  process.kill(process.pid, 'SIGTERM');
};
process.stdin.once('end', shutdown).once('error', shutdown).resume();
