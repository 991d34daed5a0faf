/**
 * Files above the server's request limit go to the bulk import container instead (docs/import.md):
 * written as a block blob straight from disk (bounded memory), then awaited until QIDO finds the
 * instance, or until the server has taken the file out of the container without storing it (it is
 * then in the error container, with the reason).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerClient } from '@azure/storage-blob';
import { alreadyStored } from './existingInstances';
import type { DicomFile } from './fileScan';

export interface ImportTargetOptions {
  /** A connection string to the server's storage account. */
  readonly connectionString: string | undefined;
  /** Or the import container's URL with a SAS (create and write permissions). */
  readonly sasUrl: string | undefined;
  /** The container's name with a connection string (default `dicom-import`). */
  readonly container: string;
  /** How long to wait for each file to become searchable. */
  readonly waitSeconds: number;
}

export type ImportResult = { readonly kind: 'imported' } | { readonly kind: 'failed'; readonly reason: string };

const BLOCK_BYTES = 8 * 1024 * 1024;
const BLOCK_CONCURRENCY = 4;
const POLL_MS = 2000;

export function importContainer(options: ImportTargetOptions): ContainerClient | undefined {
  if (options.sasUrl) return new ContainerClient(options.sasUrl);
  if (options.connectionString) return new ContainerClient(options.connectionString, options.container);
  return undefined;
}

export async function importLargeFile(
  file: DicomFile,
  container: ContainerClient,
  baseUrl: string,
  token: string | undefined,
  waitSeconds: number,
): Promise<ImportResult> {
  // A unique name: the same file name from two folders must not overwrite each other.
  const name = `upload/${randomUUID()}-${path.basename(file.path)}`;
  const blob = container.getBlockBlobClient(name);
  await blob.uploadFile(file.path, { blockSize: BLOCK_BYTES, concurrency: BLOCK_CONCURRENCY });
  const deadline = Date.now() + waitSeconds * 1000;
  while (Date.now() < deadline) {
    if ((await alreadyStored([file], baseUrl, token)).size > 0) return { kind: 'imported' };
    if (!(await blob.exists())) {
      // Taken out of the import container: stored (searchable a moment later) or moved to the errors.
      await sleep(POLL_MS);
      if ((await alreadyStored([file], baseUrl, token)).size > 0) return { kind: 'imported' };
      return { kind: 'failed', reason: `the server did not import ${name}; see its import error container` };
    }
    await sleep(POLL_MS);
  }
  return { kind: 'failed', reason: `${name} was not imported within ${waitSeconds} s; it is still in the container` };
}
