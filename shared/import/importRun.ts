import { getConfig } from '../config';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { importStorage } from './importContainers';
import { importFile, type FileResult, type ListedFile } from './importFile';

export type ImportRunResult = Record<FileResult, number> & { listed: number; bytes: number };

/** Names asked for per List Blobs call: one call for an idle container, a few for a full run. */
const LIST_PAGE = 1000;

/**
 * One timer run of bulk import (docs/import.md): lists the import container from the start and
 * imports what it finds, bounded by DICOM_IMPORT_MAX_FILES_PER_RUN and DICOM_IMPORT_MAX_BYTES_PER_RUN
 * (at least one file, whatever its size), DICOM_IMPORT_CONCURRENCY at a time. Files another run
 * holds (leased) are passed over; what is left waits for the next run.
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
  await mapConcurrently(files, concurrency, async (file) => {
    result[await importFile(storage, file, log)] += 1;
  });
  return result;
}
