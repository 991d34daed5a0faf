/**
 * Rebuilds every study's search summary and index entries from the instance table: for data
 * stored before search existed, or to repair an index after an operator's mistake. Walks the
 * instance table once (keys only) and refreshes each study, a few at a time; safe while the
 * service runs, since a refresh is the same operation stores and deletes perform. A study whose
 * summary is current is left as it is, unless `rewriteIndex` asks for every entry to be written
 * again (which drops the summary copy that entries of earlier releases carried).
 */
import { odata, type TableEntity } from '@azure/data-tables';
import { table } from '../storage/clients';
import { refreshStudies, type RefreshOptions } from './summaryRefresh';

/** Studies collected before their refreshes run, so memory stays bounded on any store size. */
const BATCH = 200;

export async function rebuildSearch(
  progress: (studies: number) => void,
  options: RefreshOptions = {},
): Promise<number> {
  const pages = table('instances')
    .listEntities<TableEntity>({
      // Study UIDs start with a digit; the service's own partitions (markers) with `~`.
      queryOptions: { filter: odata`PartitionKey lt ${'~'}`, select: ['PartitionKey'] },
    })
    .byPage({ maxPageSize: 1000 });
  let done = 0;
  let batch = new Set<string>();
  let last: string | undefined;
  const flush = async () => {
    await refreshStudies(batch, options);
    done += batch.size;
    progress(done);
    batch = new Set();
  };
  for await (const page of pages) {
    for (const row of page) {
      // Rows come in PartitionKey order, so each study is seen in one run.
      if (row.partitionKey === last) continue;
      last = row.partitionKey;
      batch.add(row.partitionKey);
      if (batch.size >= BATCH) await flush();
    }
  }
  if (batch.size > 0) await flush();
  return done;
}
