// GET /health — whether the service's settings are valid and its storage is reachable (no auth, no version).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { checkHealth } from '../shared/health/storageHealth';
import { registerPlainRoute } from '../shared/http/routeTable';

export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const report = await checkHealth((message, error) => context.warn(message, error));
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
