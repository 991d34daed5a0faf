// Timer: bulk import (docs/import.md). Every 10 seconds, files written to the import container
// are stored as STOW stores them, and removed; failures go to the error container and queue.
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getConfig } from '../shared/config';
import { runImport } from '../shared/import/importRun';
import { ensureStorage } from '../shared/storage/provision';

export async function importFiles(_timer: Timer, context: InvocationContext): Promise<void> {
  if (!getConfig().import.enabled) return;
  await ensureStorage();
  const result = await runImport((message) => context.warn(message));
  if (result.imported + result.alreadyStored + result.failed + result.retry > 0) {
    context.log(`Bulk import: ${JSON.stringify(result)}`);
  }
}

app.timer('importFiles', { schedule: '*/10 * * * * *', handler: importFiles });
