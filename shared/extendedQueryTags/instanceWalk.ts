/**
 * One page of the visible instances of the current partition, in key order, from a saved
 * position (the table's continuation token), with what a reindex needs of each: its keys and its
 * DICOM JSON (on the entity, or in its metadata blob when too large for it).
 */
import { odata, type TableEntityResult } from '@azure/data-tables';
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { readBlobText } from '../retrieve/blobReads';
import { metadataBlobOf } from '../retrieve/instanceKeys';
import type { InstanceKey } from '../storage/blobLayout';
import { table } from '../storage/clients';
import type { VisibleInstance } from '../storage/instanceQueries';

export interface WalkedInstance {
  readonly key: InstanceKey;
  readonly dataset: DicomJsonDataset;
}

export interface WalkPage {
  readonly instances: WalkedInstance[];
  /** Where the next page starts; undefined at the end. */
  readonly continuation: string | undefined;
}

const CREATED = odata`State eq 'created'`;
/** Metadata blobs read at once. */
const BLOB_READS = 16;

type WalkRow = TableEntityResult<VisibleInstance & { Metadata?: string; MetadataInBlob?: boolean }>;

export async function walkInstances(continuation: string | undefined, pageSize: number): Promise<WalkPage> {
  const pages = table('instances')
    .listEntities<VisibleInstance & { Metadata?: string; MetadataInBlob?: boolean }>({
      queryOptions: {
        filter: CREATED,
        select: [
          'PartitionKey',
          'RowKey',
          'Version',
          'SeriesInstanceUID',
          'SOPInstanceUID',
          'Metadata',
          'MetadataInBlob',
        ],
      },
    })
    .byPage({ maxPageSize: pageSize, ...(continuation !== undefined ? { continuationToken: continuation } : {}) });
  const next = await pages.next();
  if (next.done) return { instances: [], continuation: undefined };
  const page = next.value;
  const instances = await mapConcurrently(page, BLOB_READS, async (row: WalkRow) => ({
    key: {
      studyInstanceUid: row.partitionKey ?? '',
      seriesInstanceUid: row.SeriesInstanceUID,
      sopInstanceUid: row.SOPInstanceUID,
    },
    dataset: await datasetOf(row),
  }));
  return { instances, continuation: page.continuationToken };
}

/** Counts the visible instances of the current partition from a position, a bounded number of pages. */
export async function countInstances(
  continuation: string | undefined,
  maxPages: number,
): Promise<{ count: number; continuation: string | undefined }> {
  const pages = table('instances')
    .listEntities({ queryOptions: { filter: CREATED, select: ['PartitionKey'] } })
    .byPage({ maxPageSize: 1000, ...(continuation !== undefined ? { continuationToken: continuation } : {}) });
  let count = 0;
  let position: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const next = await pages.next();
    if (next.done) return { count, continuation: undefined };
    count += next.value.length;
    position = next.value.continuationToken;
    if (position === undefined) return { count, continuation: undefined };
  }
  return { count, continuation: position };
}

async function datasetOf(row: WalkRow): Promise<DicomJsonDataset> {
  const text =
    row.MetadataInBlob === true
      ? await readBlobText(metadataBlobOf(row.partitionKey ?? '', row))
      : (row.Metadata ?? '{}');
  return JSON.parse(text) as DicomJsonDataset;
}
