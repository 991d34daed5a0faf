/**
 * `npm run bench`: the STOW-RS benchmark against our server (started here on an in-memory Azurite),
 * and with --orthanc against a fresh Orthanc too, one after the other, then a side-by-side table.
 *
 *   npm run bench -- [--orthanc] [--skip-ours] [--seconds 8] [--warmup 1] [--concurrency 1,4,16]
 *                    [--big-gb 1] [--api-version v2] [--orthanc-state-dir /dev/shm/orthanc]
 *
 * Servers run one at a time: on a two-core machine the client already takes a share of the CPU,
 * and a second server would take more. The default run takes about a minute, two with --orthanc.
 */
import { parseArgs } from 'node:util';
import { integersAtLeast, numberAtLeast } from './cliArgs';
import { asError } from './httpPost';
import { busyPercent } from './procfs';
import { startOrthanc, startOurServer, type RunningServer } from './servers';
import { LEVEL_HEADER, runStow, type StowOptions, type StowReport } from './stow';

interface TargetOutcome {
  readonly label: string;
  readonly description: string;
  readonly report: StowReport | null;
  /** Percent of the machine's CPU busy just before this target's run (the server idle, nothing sent yet). */
  readonly busyBeforePercent: number | null;
  /** Why the target did not run or did not finish (start-up failure, every request failing). */
  readonly failure: string | null;
}

/** What applies to every target; the pids come from each started server. */
type RunOptions = Omit<StowOptions, 'pid' | 'serverPids'>;

const running = new Set<RunningServer>();
/** Above this, something besides the benchmark is using the CPU (an idle server and Azurite stay far below). */
const BUSY_WARNING_PERCENT = 10;

async function benchmark(
  label: string,
  start: () => Promise<RunningServer>,
  options: RunOptions,
): Promise<TargetOutcome> {
  console.log(`\n== ${label}: starting`);
  let server: RunningServer;
  try {
    server = await start();
  } catch (error) {
    const failure = `did not start: ${asError(error).message}`;
    console.log(`== ${label} ${failure}`);
    return { label, description: '', report: null, failure, busyBeforePercent: null };
  }
  running.add(server);
  try {
    console.log(`== ${server.label}: ${server.description}\n   STOW to ${server.base}/studies`);
    const busyBeforePercent = await busyPercent();
    if (busyBeforePercent !== null && busyBeforePercent > BUSY_WARNING_PERCENT) {
      console.log(`   warning: ${busyBeforePercent}% of the CPU is busy before the run; the figures will be low`);
    }
    console.log(LEVEL_HEADER);
    const report = await runStow({ base: server.base }, { ...options, pid: server.pid, serverPids: server.cpuPids });
    const abandoned = report.levels.find((level) => level.abandoned);
    const failure = abandoned
      ? `the server answered every request with an error, e.g. ${abandoned.firstError ?? '?'}`
      : (report.big?.error ?? null);
    if (failure) console.log(`== ${server.label}: ${failure}`);
    return { label: server.label, description: server.description, report, failure, busyBeforePercent };
  } finally {
    running.delete(server);
    await server.stop();
  }
}

function sideBySide(outcomes: readonly TargetOutcome[], options: RunOptions): string {
  const width = 46;
  const cell = (text: string): string => text.padEnd(width);
  const labelWidth = 14;
  const lines: string[] = [];
  lines.push(`${''.padEnd(labelWidth)}${outcomes.map((o) => cell(o.label)).join('')}`);
  lines.push(
    `${'conc'.padEnd(labelWidth)}${outcomes.map(() => cell('inst/s   MB/s  p50/p95 ms  errors  ms CPU')).join('')}`,
  );
  for (const concurrency of options.concurrency) {
    const cells = outcomes.map((outcome) => {
      const level = outcome.report?.levels.find((l) => l.concurrency === concurrency);
      if (!level) return cell('-');
      const latency = `${level.p50Ms?.toFixed(0) ?? '-'}/${level.p95Ms?.toFixed(0) ?? '-'}`;
      return cell(
        `${level.instancesPerSecond.toFixed(1).padStart(6)} ${level.megabytesPerSecond.toFixed(1).padStart(6)} ` +
          `${latency.padStart(11)} ${String(level.errors).padStart(7)} ` +
          `${level.cpu?.serverCpuMsPerInstance?.toFixed(1) ?? '-'}`.padStart(7),
      );
    });
    lines.push(`${String(concurrency).padEnd(labelWidth)}${cells.join('')}`);
  }
  if (options.bigGiB > 0) {
    const big = (format: (o: TargetOutcome) => string): string =>
      outcomes.map((o) => cell(o.report?.big ? format(o) : '-')).join('');
    const mib = (value: number | null | undefined): string => (value == null ? '-' : `${value.toFixed(0)} MiB`);
    lines.push(
      `${`${options.bigGiB} GiB MB/s`.padEnd(labelWidth)}${big((o) => {
        const b = o.report?.big;
        return b
          ? `${b.megabytesPerSecond.toFixed(1)} (${b.error === null ? `HTTP ${b.status ?? '-'}` : 'FAILED'})`
          : '-';
      })}`,
    );
    lines.push(`${'RSS idle'.padEnd(labelWidth)}${big((o) => mib(o.report?.big?.idleRssMiB))}`);
    lines.push(`${'RSS peak'.padEnd(labelWidth)}${big((o) => mib(o.report?.big?.peakRssMiB))}`);
    lines.push(`${'peak - idle'.padEnd(labelWidth)}${big((o) => mib(o.report?.big?.peakMinusIdleMiB))}`);
  }
  lines.push('ms CPU: server CPU milliseconds per stored instance (ours: server and Azurite together)');
  for (const outcome of outcomes) {
    if (outcome.failure) lines.push(`${outcome.label}: ${outcome.failure.split('\n').slice(0, 12).join('\n  ')}`);
  }
  return lines.map((line) => line.trimEnd()).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      orthanc: { type: 'boolean', default: false },
      'skip-ours': { type: 'boolean', default: false },
      seconds: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '1,4,16' },
      'big-gb': { type: 'string', default: '1' },
      'instances-per-study': { type: 'string', default: '10' },
      'api-version': { type: 'string', default: 'v2' },
      'orthanc-state-dir': { type: 'string' },
    },
    strict: true,
  });
  const concurrency = integersAtLeast('concurrency', values.concurrency, 1);
  const options: RunOptions = {
    concurrency,
    seconds: numberAtLeast('seconds', values.seconds, 0.1),
    warmupSeconds: numberAtLeast('warmup', values.warmup, 0),
    instancesPerStudy: Math.floor(numberAtLeast('instances-per-study', values['instances-per-study'], 1)),
    bigGiB: numberAtLeast('big-gb', values['big-gb'], 0),
    progress: (line) => console.log(line),
  };
  if (!/^v\d+$/.test(values['api-version'])) throw new Error('--api-version wants v1 or v2');

  // Ctrl-C: stop the servers this run started before leaving, instead of orphaning them.
  process.once('SIGINT', () => {
    console.log('\ninterrupted; stopping servers');
    void Promise.allSettled([...running].map((server) => server.stop())).then(() => process.exit(130));
  });

  const outcomes: TargetOutcome[] = [];
  if (!values['skip-ours']) {
    outcomes.push(await benchmark('ours', () => startOurServer({ apiVersion: values['api-version'] }), options));
  }
  if (values.orthanc) {
    const stateDir = values['orthanc-state-dir'];
    outcomes.push(await benchmark('orthanc', () => startOrthanc({ stateDir }), options));
  }
  if (outcomes.length === 0) throw new Error('nothing to run: --skip-ours without --orthanc');

  console.log(
    `\nSTOW-RS, ~512 KiB instances, ${options.instancesPerStudy} per study, one per request; ` +
      `${options.warmupSeconds} s warm-up + ${options.seconds} s per level; client and server share this machine`,
  );
  for (const outcome of outcomes) {
    if (!outcome.description) continue;
    const busy = outcome.busyBeforePercent === null ? '' : ` (CPU ${outcome.busyBeforePercent}% busy before)`;
    console.log(`  ${outcome.label}: ${outcome.description}${busy}`);
  }
  console.log(sideBySide(outcomes, options));
  console.log(
    JSON.stringify({
      bench: 'stow-side-by-side',
      options: { ...options, progress: undefined },
      targets: outcomes,
    }),
  );
  if (outcomes.some((outcome) => outcome.failure !== null)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(asError(error).message);
  process.exitCode = 1;
});
