/**
 * An accepted export's specification (identifiers and destination, secrets included) is kept in
 * a blob of the service's own container until the operation finishes, then deleted: a checkpoint
 * must stay small, and 10,000 identifiers do not fit a table entity. The name starts with `~`,
 * which no UID does, so it never meets an instance's blobs.
 */
import { randomUUID } from 'node:crypto';
import { blobContainer } from '../storage/clients';
import { isStorageStatus } from '../storage/storageErrors';
import { downloadBlob } from '../retrieve/blobReads';
import type { ExportSpecification } from './exportSpecification';
import { MAX_EXPORT_BODY_BYTES } from './exportSpecification';

export async function saveExportSpecification(specification: ExportSpecification): Promise<string> {
  const name = `~operations/export-${randomUUID()}.json`;
  const body = JSON.stringify(specification);
  await blobContainer()
    .getBlockBlobClient(name)
    .upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  return name;
}

// Steps of one operation run one after another, often in the same worker: read it once.
const cache = new Map<string, ExportSpecification>();
const CACHE_ENTRIES = 16;

export async function loadExportSpecification(name: string): Promise<ExportSpecification | undefined> {
  const cached = cache.get(name);
  if (cached) return cached;
  let specification: ExportSpecification;
  try {
    specification = JSON.parse(
      (await downloadBlob(name, 2 * MAX_EXPORT_BODY_BYTES)).toString('utf8'),
    ) as ExportSpecification;
  } catch (error) {
    if (isStorageStatus(error, 404)) return undefined;
    throw error;
  }
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(name, specification);
  return specification;
}

export async function deleteExportSpecification(name: string): Promise<void> {
  cache.delete(name);
  await blobContainer().getBlockBlobClient(name).deleteIfExists();
}
