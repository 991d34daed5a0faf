// Warm-up trigger: the host calls it on a new instance before sending it traffic (Premium and
// dedicated plans; Flex Consumption has its own always-ready instances). Creating the storage
// clients and checking the container and tables here takes that cost off the first request.
import { app, type InvocationContext } from '@azure/functions';
import { ensureStorage } from '../shared/storage/provision';

export async function warmup(_trigger: unknown, context: InvocationContext): Promise<void> {
  await ensureStorage();
  context.log('Warm-up: storage clients created, container and tables present.');
}

app.warmup('warmup', { handler: warmup });
