import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * Runs existing suites again, unchanged, in a child `node --test` with `env` added (the partitioned
 * and staged-feed re-runs of `npm test`); this process exits with the child's outcome.
 * `suites`: paths below dist/test without `.test.js`, e.g. `store/stowConsistency`.
 */
export function rerunSuites(suites: readonly string[], env: Readonly<Record<string, string>>): void {
  // This file is dist/test/support/suiteRerun.js.
  const testRoot = path.resolve(__dirname, '..');
  const files = suites.map((suite) => path.join(testRoot, `${suite}.test.js`));
  const child = spawn(process.execPath, ['--test', '--test-concurrency=3', ...files], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}
