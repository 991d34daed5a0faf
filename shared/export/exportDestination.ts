/**
 * Where an export writes (`destination.type: azureBlob`): a container named by URI (with a SAS,
 * with the app's managed identity, or public), or by connection string and container name. The
 * checks and their words follow the Azure DICOM service's blob export sink; the container must
 * already exist, and that is checked before the operation is accepted.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { AnonymousCredential, ContainerClient } from '@azure/storage-blob';
import { BadRequestError } from '../errors';
import { jsonField, jsonObject, optionalJsonString, rejectUnknownFields } from '../http/jsonFields';
import { isStorageStatus } from '../storage/storageErrors';

export interface BlobExportDestination {
  readonly blobContainerUri?: string;
  readonly connectionString?: string;
  readonly blobContainerName?: string;
  readonly useManagedIdentity: boolean;
}

export interface ExportDestinationPolicy {
  /** Azure's `AllowSasTokens` (default true). */
  readonly allowSasTokens: boolean;
  /** Azure's `AllowPublicAccess` (default true): a URI with neither SAS nor managed identity. */
  readonly allowPublicAccess: boolean;
}

const SETTINGS = ['blobContainerUri', 'connectionString', 'blobContainerName', 'useManagedIdentity'] as const;

/** `destination.settings`, checked; 400 with Azure's message for each conflict. */
export function parseBlobDestination(settings: unknown, policy: ExportDestinationPolicy): BlobExportDestination {
  const path = 'destination.settings.';
  const fields = jsonObject(settings, 'destination.settings');
  rejectUnknownFields(fields, SETTINGS, path);
  const blobContainerUri = optionalJsonString(fields, 'blobContainerUri', path);
  const connectionString = optionalJsonString(fields, 'connectionString', path);
  const blobContainerName = optionalJsonString(fields, 'blobContainerName', path);
  const managed = jsonField(fields, 'useManagedIdentity');
  if (managed !== undefined && typeof managed !== 'boolean') {
    throw new BadRequestError("The field 'destination.settings.useManagedIdentity' must be true or false.");
  }
  const useManagedIdentity = managed === true;
  if (blobContainerUri === undefined) {
    if (connectionString === undefined || blobContainerName === undefined) {
      throw new BadRequestError('Please specify both ConnectionString and BlobContainerName.');
    }
    if (useManagedIdentity) throw new BadRequestError('Managed identity cannot be used with a ConnectionString.');
    if (/(^|;)\s*AccountKey\s*=/i.test(connectionString) && !isEmulator(connectionString)) {
      throw new BadRequestError('Account key authentication is not supported.');
    }
    if (/(^|;)\s*SharedAccessSignature\s*=/i.test(connectionString) && !policy.allowSasTokens) {
      throw new BadRequestError('Shared Access Signatures (SAS) are not supported.');
    }
    if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(blobContainerName)) {
      throw new BadRequestError(`The blob container name '${blobContainerName}' is not valid.`);
    }
    return { connectionString, blobContainerName, useManagedIdentity };
  }
  if (connectionString !== undefined || blobContainerName !== undefined) {
    throw new BadRequestError(
      'ConnectionString and BlobContainerName cannot be specified along with BlobContainerUri.',
    );
  }
  const uri = parseContainerUri(blobContainerUri);
  const hasSas = uri.searchParams.has('sig');
  if (hasSas && useManagedIdentity) {
    throw new BadRequestError(
      'UseManagedIdentity cannot be specified if the BlobContainerUri container query string parameters.',
    );
  }
  if (hasSas && !policy.allowSasTokens) throw new BadRequestError('Shared Access Signatures (SAS) are not supported.');
  if (!hasSas && !useManagedIdentity && !policy.allowPublicAccess) {
    throw new BadRequestError('Public access to Azure Blob Storage containers is not supported.');
  }
  return { blobContainerUri, useManagedIdentity };
}

/** A client of the destination container; created per step (it holds no pool worth keeping). */
export function destinationContainer(destination: BlobExportDestination): ContainerClient {
  if (destination.connectionString !== undefined && destination.blobContainerName !== undefined) {
    return new ContainerClient(destination.connectionString, destination.blobContainerName);
  }
  const uri = destination.blobContainerUri ?? '';
  if (destination.useManagedIdentity) return new ContainerClient(uri, new DefaultAzureCredential());
  return new ContainerClient(uri, new AnonymousCredential());
}

/** The container's account and name, for messages (never the SAS). */
export function describeDestination(container: ContainerClient): { account: string; container: string } {
  return { account: container.accountName, container: container.containerName };
}

/** 400 unless the container exists and can be reached; Azure checks this before answering 202. */
export async function checkDestination(container: ContainerClient): Promise<void> {
  const { account, container: name } = describeDestination(container);
  try {
    await container.getProperties();
  } catch (error) {
    if (isStorageStatus(error, 404)) {
      throw new BadRequestError(`Azure Blob Storage container '${name}' does not exist in account '${account}'.`);
    }
    if (isStorageStatus(error, 401) || isStorageStatus(error, 403)) {
      throw new BadRequestError(
        `Unable to authenticate with Azure Blob Storage container '${name}' in account '${account}'.`,
      );
    }
    if (typeof error === 'object' && error !== null && 'statusCode' in error) {
      throw new BadRequestError(
        `The request to Azure Blob Storage container '${name}' in account '${account}' failed.`,
      );
    }
    throw new BadRequestError(`Unable to connect to Azure Blob Storage container '${name}' in account '${account}'.`);
  }
}

function isEmulator(connectionString: string): boolean {
  return /UseDevelopmentStorage=true|AccountName=devstoreaccount1(;|$)/i.test(connectionString);
}

function parseContainerUri(value: string): URL {
  let uri: URL;
  try {
    uri = new URL(value);
  } catch {
    throw new BadRequestError("The field 'destination.settings.blobContainerUri' is not a valid URI.");
  }
  if (uri.protocol !== 'https:' && uri.protocol !== 'http:') {
    throw new BadRequestError("The field 'destination.settings.blobContainerUri' must be an http(s) URI.");
  }
  return uri;
}
