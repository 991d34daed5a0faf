import { DefaultAzureCredential } from '@azure/identity';
import { QueueServiceClient } from '@azure/storage-queue';

/**
 * The queue service a trigger's `connection` names, resolved as the extension's
 * StorageClientProvider does (azure-sdk-for-net Microsoft.Azure.WebJobs.Extensions.Storage.Common
 * src/StorageClientProvider.cs, with GetWebJobsConnectionStringSection): the setting itself (or
 * `AzureWebJobs<name>`) as a connection string, else an identity-based section with
 * `__queueServiceUri` (or `__serviceUri`) or `__accountName` (then https://<account>.queue.core.windows.net).
 */
export function queueServiceFor(connection: string, env: NodeJS.ProcessEnv = process.env): QueueServiceClient {
  for (const name of [connection, `AzureWebJobs${connection}`]) {
    const connectionString = env[name]?.trim();
    if (connectionString) return QueueServiceClient.fromConnectionString(connectionString);
    const uri = env[`${name}__queueServiceUri`]?.trim() || env[`${name}__serviceUri`]?.trim();
    const account = env[`${name}__accountName`]?.trim();
    const url = uri || (account ? `https://${account}.queue.core.windows.net` : undefined);
    if (url) return new QueueServiceClient(url, new DefaultAzureCredential());
  }
  throw new Error(
    `Storage account connection string '${connection}' does not exist: set ${connection} or ${connection}__accountName.`,
  );
}
