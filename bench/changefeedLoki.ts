/**
 * An in-memory Azurite whose change-feed table already holds entries 1..n, put there by
 * changefeedLokiPreload.ts inside the Azurite process (see there for why neither the Tables API
 * nor Azurite's database file can hold 1,000,000 entries in reasonable time).
 */
import path from 'node:path';
import { startAzurite, type Azurite } from '../host/azurite';
import { feedEntryProperties } from './changefeedSeed';

export { feedEntryProperties };

export const PRELOAD_ENTRIES_ENV = 'CHANGEFEED_PRELOAD_ENTRIES';
export const PRELOAD_TABLE_ENV = 'CHANGEFEED_PRELOAD_TABLE';

/**
 * Starts Azurite (in memory, free ports) with `entries` change-feed entries and the counter in
 * `tableName`. The preload reaches the child through NODE_OPTIONS, which the child inherits; the
 * variables are restored right after the start so that nothing else spawned later sees them.
 */
export async function startPreloadedAzurite(entries: number, tableName: string): Promise<Azurite> {
  const saved = {
    NODE_OPTIONS: process.env.NODE_OPTIONS,
    [PRELOAD_ENTRIES_ENV]: process.env[PRELOAD_ENTRIES_ENV],
    [PRELOAD_TABLE_ENV]: process.env[PRELOAD_TABLE_ENV],
  };
  const preload = path.join(__dirname, 'changefeedLokiPreload.js');
  process.env.NODE_OPTIONS = `${saved.NODE_OPTIONS ?? ''} --require ${preload}`.trim();
  process.env[PRELOAD_ENTRIES_ENV] = String(entries);
  process.env[PRELOAD_TABLE_ENV] = tableName;
  try {
    return await startAzurite({ inMemory: true, ports: 'free' });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
