import { table } from '../storage/clients';
import { isStorageStatus } from '../storage/storageErrors';
import { sequenceLeftovers } from './feedSequencer';

/**
 * Numbers commits a dead worker staged but never saw numbered (shared/changefeed/feedStaging.ts),
 * within `timeoutMs`: start-up recovery and the sweeper call it before settling markers. Never
 * throws; what it does not reach, the next caller or the next contended commit numbers.
 */
export async function numberStrandedCommits(timeoutMs: number, log: (message: string) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    const numbered = await Promise.race([sequenceLeftovers(table('changeFeed')), outOfTime]);
    if (numbered === 'timeout')
      log(`Numbering stranded change-feed commits took over ${timeoutMs} ms; left for later.`);
    else if (numbered > 0) console.log(`Numbered ${numbered} stranded change-feed events.`);
  } catch (error) {
    if (!isStorageStatus(error, 404)) log(`Numbering stranded change-feed commits failed: ${String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
