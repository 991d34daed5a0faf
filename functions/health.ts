// GET /health — whether the service's settings are valid and its storage is reachable (no auth, no version).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { cachedHealth } from '../shared/health/healthCache';
import { checkHealth, type HealthReport } from '../shared/health/storageHealth';
import { registerPlainRoute } from '../shared/http/routeTable';

type HealthLog = (message: string, error: unknown) => void;
/** A probe logs to the invocation that started it. */
const sharedHealth = cachedHealth<HealthLog, HealthReport>((log) => checkHealth(log));

export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const report = await sharedHealth((message, error) => context.warn(message, error));
  return {
    status: report.status === 'Healthy' ? 200 : 503,
    headers: { 'Cache-Control': 'no-store' },
    jsonBody: report,
  };
}

registerPlainRoute({
  functionName: 'health',
  route: 'health',
  methods: ['GET', 'HEAD'],
  handler: health,
  access: 'anonymous',
});
