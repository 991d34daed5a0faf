import { odata } from '@azure/data-tables';
import { getConfig } from '../config';
import { blobContainer, table } from '../storage/clients';
import { storageStatus } from '../storage/storageErrors';

export type HealthStatus = 'Healthy' | 'Unhealthy';

export interface HealthCheck {
  readonly name: 'configuration' | 'blobStorage' | 'tableStorage';
  readonly status: HealthStatus;
  /** A short, client-safe reason when unhealthy; details go to the log. */
  readonly reason?: string;
}

export interface HealthReport {
  readonly status: HealthStatus;
  readonly checks: readonly HealthCheck[];
}

/** How long one storage probe may take before storage counts as unreachable. */
const PROBE_TIMEOUT_MS = 3000;
const PROBE_PARTITION = 'health-probe';

/**
 * Whether the service can work: its settings are valid and blob and table storage answer a cheap
 * call (a container existence check, a one-row query) within a few seconds. Any answer from
 * storage, a missing table included, counts as reachable; denied access and silence do not.
 */
export async function checkHealth(log: (message: string, error: unknown) => void): Promise<HealthReport> {
  try {
    getConfig();
  } catch (error) {
    log('Health: the configuration is invalid', error);
    return report([{ name: 'configuration', status: 'Unhealthy', reason: 'invalid settings' }]);
  }
  const checks = await Promise.all([
    probe('blobStorage', log, (abortSignal) => blobContainer().exists({ abortSignal })),
    probe('tableStorage', log, (abortSignal) =>
      table('changeFeed')
        .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${PROBE_PARTITION}` }, abortSignal })
        .byPage({ maxPageSize: 1 })
        .next(),
    ),
  ]);
  return report([{ name: 'configuration', status: 'Healthy' }, ...checks]);
}

async function probe(
  name: HealthCheck['name'],
  log: (message: string, error: unknown) => void,
  call: (abortSignal: AbortSignal) => Promise<unknown>,
): Promise<HealthCheck> {
  try {
    await call(AbortSignal.timeout(PROBE_TIMEOUT_MS));
    return { name, status: 'Healthy' };
  } catch (error) {
    if (storageStatus(error) === 404) return { name, status: 'Healthy' };
    log(`Health: ${name} probe failed`, error);
    const status = storageStatus(error);
    const reason = status === 401 || status === 403 ? 'access denied' : status ? `status ${status}` : 'unreachable';
    return { name, status: 'Unhealthy', reason };
  }
}

function report(checks: readonly HealthCheck[]): HealthReport {
  return { status: checks.every((check) => check.status === 'Healthy') ? 'Healthy' : 'Unhealthy', checks };
}
