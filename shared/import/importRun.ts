import { getConfig } from '../config';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { importStorage } from './importContainers';
import { importBatch, type FileResult, type ListedFile } from './importBatch';
import { partitionGroup } from './importPartition';

export type ImportRunResult = Record<FileResult, number> & { listed: number; bytes: number };

/** Names asked for per List Blobs call: one call for an idle container, a few for a full run. */
const LIST_PAGE = 1000;
/** Files up to this size are stored together, as a multipart STOW's parts; larger ones alone. */
const SMALL_FILE_BYTES = 8 * 1024 * 1024;
const BATCH_FILES = 50;
const BATCH_BYTES = 32 * 1024 * 1024;

/**
 * One timer run of bulk import (docs/import.md): lists the import container from the start and
 * imports what it finds, bounded by DICOM_IMPORT_MAX_FILES_PER_RUN and DICOM_IMPORT_MAX_BYTES_PER_RUN
 * (at least one file, whatever its size): small files of one partition in batches (one store call
 * each, so that they commit together), large ones alone, DICOM_IMPORT_CONCURRENCY batches at a time.
 * Files another run holds (leased) are passed over; what is left waits for the next run.
 */
export async function runImport(log: (message: string) => void): Promise<ImportRunResult> {
  const { maxFilesPerRun, maxBytesPerRun, concurrency } = getConfig().import;
  const storage = await importStorage();
  const files: ListedFile[] = [];
  let bytes = 0;
  let listed = 0;
  listing: for await (const page of storage.imports.listBlobsFlat().byPage({ maxPageSize: LIST_PAGE })) {
    for (const item of page.segment.blobItems) {
      listed += 1;
      if (item.properties.leaseState === 'leased') continue;
      const size = item.properties.contentLength ?? 0;
      if (files.length > 0 && (files.length >= maxFilesPerRun || bytes + size > maxBytesPerRun)) break listing;
      files.push({ name: item.name, etag: item.properties.etag, bytes: size });
      bytes += size;
    }
  }
  const result: ImportRunResult = { listed, bytes, imported: 0, alreadyStored: 0, failed: 0, retry: 0, skipped: 0 };
  await mapConcurrently(batches(files), concurrency, async (batch) => {
    for (const outcome of await importBatch(storage, batch, log)) result[outcome] += 1;
  });
  return result;
}

function batches(files: readonly ListedFile[]): ListedFile[][] {
  const result: ListedFile[][] = [];
  const open = new Map<string, { files: ListedFile[]; bytes: number }>();
  for (const file of files) {
    if (file.bytes > SMALL_FILE_BYTES) {
      result.push([file]);
      continue;
    }
    const group = partitionGroup(file.name);
    let batch = open.get(group);
    if (batch && (batch.files.length >= BATCH_FILES || batch.bytes + file.bytes > BATCH_BYTES)) {
      result.push(batch.files);
      batch = undefined;
    }
    if (!batch) {
      batch = { files: [], bytes: 0 };
      open.set(group, batch);
    }
    batch.files.push(file);
    batch.bytes += file.bytes;
  }
  for (const batch of open.values()) result.push(batch.files);
  return result;
}
