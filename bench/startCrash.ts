/**
 * `npm start` under SIGKILL, many times: each round starts host/start.js in a process group of its
 * own on one data folder (a temporary one, free ports), stores 8 at a time, kills the server process
 * or the whole group after a random number of acknowledged stores, restarts and checks every
 * acknowledged instance (byte for byte, and in the change feed), that retrieve, search and the
 * change feed agree on every instance sent (acknowledged or in flight), and that a re-store of each
 * unacknowledged one answers 200 within 30 s of the restart (default lease, 30 s). At the end the
 * server is stopped as Ctrl-C does, started again on a fresh Azurite, and every instance of every
 * round is checked.
 *
 *   node dist/bench/startCrash.js [--rounds 20] [--azurite-rounds 0] [--seed 1]
 *
 * --azurite-rounds kills Azurite itself (what a machine crash does to it) and reports what its
 * last autosave left out: the window docs/consistency.md states. Linux only (/proc).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stopPersistentAzurite } from '../host/persistentAzurite';
import {
  crashRound,
  isolatedEnv,
  killServer,
  startServer,
  stopServer,
  verify,
  type KillTarget,
} from '../test/support/startCrash';
import { numberAtLeast } from './cliArgs';
import { seededRandom } from '../test/support/seededRandom';

const START = path.resolve(__dirname, '..', 'host', 'start.js');
const CONCURRENCY = 8;

interface Totals {
  rounds: number;
  acknowledged: number;
  inFlight: number;
  lostRetrieve: number;
  lostFeed: number;
  lostAgesMs: number[];
  disagreeing: number;
  restoreFailures: number;
  restoreMs: number[];
  /** Instances start-up recovery rolled forward, and the markers it settled. */
  rolledForward: number;
  settled: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '20' },
      'azurite-rounds': { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
    },
  });
  const rounds = numberAtLeast('--rounds', values.rounds, 0);
  const azuriteRounds = numberAtLeast('--azurite-rounds', values['azurite-rounds'], 0);
  const next = seededRandom(numberAtLeast('--seed', values.seed, 0));
  const root = await mkdtemp(path.join(tmpdir(), 'bench-start-crash-'));
  const location = path.join(root, 'azurite');
  const env = isolatedEnv(location);
  const totals = new Map<KillTarget, Totals>();
  const everything: Awaited<ReturnType<typeof crashRound>>['stored'][number][] = [];
  try {
    const plan: KillTarget[] = [];
    for (let i = 0; i < rounds; i++) plan.push('server', 'group');
    for (let i = 0; i < azuriteRounds; i++) plan.push('azurite');
    for (const [i, kill] of plan.entries()) {
      const killAfterAcks = 10 + Math.floor(next() * 190);
      const round = await crashRound({ start: START, env, kill, concurrency: CONCURRENCY, killAfterAcks });
      const total = totals.get(kill) ?? {
        rounds: 0,
        acknowledged: 0,
        inFlight: 0,
        lostRetrieve: 0,
        lostFeed: 0,
        lostAgesMs: [],
        disagreeing: 0,
        restoreFailures: 0,
        restoreMs: [],
        rolledForward: 0,
        settled: 0,
      };
      total.rounds++;
      total.acknowledged += round.acknowledged;
      total.inFlight += round.unacknowledged;
      total.lostRetrieve += round.lostRetrieve.length;
      total.lostFeed += round.lostFeed.length;
      total.lostAgesMs.push(...round.lostAgesMs);
      total.disagreeing += round.disagreeing.length + round.restoredDisagreeing.length;
      total.restoreFailures += round.restoreFailures.length;
      total.restoreMs.push(...round.restoreMs);
      const recovery = recoveryFigures(round.recoveryLine);
      total.rolledForward += recovery.rolledForward;
      total.settled += recovery.markersRemoved;
      totals.set(kill, total);
      const lost = new Set([...round.lostRetrieve, ...round.lostFeed]);
      everything.push(...round.stored.filter((s) => !lost.has(s.sop)));
      console.log(
        `round ${i + 1}/${plan.length} kill ${kill} after ${killAfterAcks}: ${round.acknowledged} acknowledged, ` +
          `${round.unacknowledged} in flight, lost ${round.lostRetrieve.length} (retrieve) ${round.lostFeed.length} (feed); ` +
          `${round.disagreeing.length + round.restoredDisagreeing.length} disagreeing; re-stores: ` +
          `${round.restoreMs.length} ok (max ${Math.max(0, ...round.restoreMs)} ms), ${round.restoreFailures.length} failed; ` +
          `restart: ${round.storageLine}; ${round.recoveryLine || 'no start-up recovery'}`,
      );
      for (const line of [...round.disagreeing, ...round.restoredDisagreeing, ...round.restoreFailures]) {
        console.log(`  ${line}`);
      }
      // The restarted server goes the hard way too, so Azurite is never stopped between rounds.
      const gone = new Promise((resolve) => round.restarted.group.once('exit', resolve));
      killServer(round.restarted, 'group');
      await gone;
    }

    const last = await startServer(START, env);
    if ((await stopServer(last)) !== 0)
      throw new Error(`the server's graceful stop failed:\n${last.output.join('\n')}`);
    const fresh = await startServer(START, env);
    const check = await verify(fresh.baseUrl, everything);
    await stopServer(fresh);

    console.log(
      '\nkill      rounds  acknowledged  in flight  lost (retrieve)  lost (feed)  disagreeing  re-store ok  re-store failed' +
        '  re-store ms (median/max)  recovery rolled forward/settled  lost acknowledged ms before the kill',
    );
    for (const [kill, t] of totals) {
      const ages = t.lostAgesMs.length ? `${Math.min(...t.lostAgesMs)}-${Math.max(...t.lostAgesMs)}` : '-';
      const sorted = [...t.restoreMs].sort((a, b) => a - b);
      const restore = sorted.length ? `${sorted[Math.floor(sorted.length / 2)]}/${sorted.at(-1)}` : '-';
      console.log(
        `${kill.padEnd(9)} ${String(t.rounds).padStart(6)}  ${String(t.acknowledged).padStart(12)}  ` +
          `${String(t.inFlight).padStart(9)}  ${String(t.lostRetrieve).padStart(15)}  ${String(t.lostFeed).padStart(11)}  ` +
          `${String(t.disagreeing).padStart(11)}  ${String(t.restoreMs.length).padStart(11)}  ` +
          `${String(t.restoreFailures).padStart(15)}  ${restore.padStart(24)}  ` +
          `${`${t.rolledForward}/${t.settled}`.padStart(31)}  ${ages}`,
      );
    }
    console.log(
      `after a graceful stop and a fresh Azurite: ${everything.length} instances checked, ` +
        `${check.lostRetrieve.length} not retrievable, ${check.lostFeed.length} not in the feed`,
    );
    const lostOnServerOrGroup = (['server', 'group'] as const).some((kill) => {
      const t = totals.get(kill);
      return t !== undefined && t.lostRetrieve + t.lostFeed + t.disagreeing + t.restoreFailures > 0;
    });
    if (lostOnServerOrGroup || check.lostRetrieve.length > 0 || check.lostFeed.length > 0) process.exitCode = 1;
  } finally {
    await stopPersistentAzurite(location);
    await rm(root, { recursive: true, force: true });
  }
}

/** The counts in `Start-up recovery of pending stores: {…}` (zeros when it found nothing). */
function recoveryFigures(line: string): { rolledForward: number; markersRemoved: number } {
  const json = line.slice(line.indexOf('{'));
  if (!json.startsWith('{')) return { rolledForward: 0, markersRemoved: 0 };
  const parsed = JSON.parse(json) as { rolledForward?: number; markersRemoved?: number };
  return { rolledForward: parsed.rolledForward ?? 0, markersRemoved: parsed.markersRemoved ?? 0 };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
