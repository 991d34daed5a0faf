/**
 * Re-running the existing integration suites against a named data partition (npm run
 * test:partitioned, scripts/testPartitioned.ts): with DICOM_TEST_PARTITION set, the test server
 * starts with partitions enabled and that partition created, requests the suites make with fetch
 * to a partitioned route (`/v2/studies/...`) go to `/v2/partitions/{name}/studies/...`, and the
 * storage probe reads that partition's tables and container. Unset, nothing changes.
 */
import type { Partition } from '../../shared/partitions/partition';

export const TEST_PARTITION_VARIABLE = 'DICOM_TEST_PARTITION';

/** Routes that are not partitioned (docs/partitions.md). */
const GLOBAL_ROUTES = /^\/v\d+\/(?:changefeed|partitions|operations|extendedquerytags)(?:[/?]|$)/i;

let partition: Partition | undefined;
let serverOrigin: string | undefined;

/** The partition the suites run in, once the test server has created it. */
export function testPartition(): Partition | undefined {
  return partition;
}

export function testPartitionName(): string | undefined {
  const name = process.env[TEST_PARTITION_VARIABLE]?.trim();
  return name ? name : undefined;
}

/** Sends this process's fetch requests to `baseUrl` through the partition's routes. */
export function routeFetchThroughPartition(baseUrl: string, created: Partition): void {
  partition = created;
  serverOrigin = new URL(baseUrl).origin;
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) =>
    original(typeof input === 'string' || input instanceof URL ? partitionedUrl(String(input)) : input, init);
}

/**
 * The URL through the test partition's route, when one is set and the route is partitioned; by
 * string, not by URL parsing, which would resolve the dot segments and escapes some tests send.
 */
export function partitionedUrl(raw: string): string {
  if (!partition || !serverOrigin || !raw.startsWith(`${serverOrigin}/`)) return raw;
  const path = raw.slice(serverOrigin.length);
  const version = /^\/v\d+\//i.exec(path)?.[0];
  if (!version || GLOBAL_ROUTES.test(path)) return raw;
  return `${serverOrigin}${version}partitions/${partition.name}/${path.slice(version.length)}`;
}
