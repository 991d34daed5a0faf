/**
 * Read-only queries on the instance table for retrieve (WADO-RS): the visible (`created`)
 * instances of a study, a series or one instance, with only the columns the caller needs.
 */
import { odata } from '@azure/data-tables';
import { table } from './clients';
import { instanceRowKey, type InstanceEntity } from './instanceRecords';
import { isStorageStatus } from './storageErrors';

/** Which instances a request addresses: a study, a series of it, or one instance of that series. */
export interface InstanceScope {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid?: string;
  readonly sopInstanceUid?: string;
}

/** Columns every listing returns: the key and the version (blob names and ETags need them). */
const KEY_COLUMNS = ['RowKey', 'State', 'Version', 'SeriesInstanceUID', 'SOPInstanceUID'] as const;

export type VisibleInstance = Pick<InstanceEntity, 'rowKey' | 'Version' | 'SeriesInstanceUID' | 'SOPInstanceUID'> &
  Record<string, unknown>;

/**
 * The visible instances of `scope`, in RowKey order (series, then SOP instance). One query on the
 * study's partition; a series narrows it to a RowKey range (`{series}|` up to `{series}}`, since
 * `}` sorts right after `|`), so the cost follows the size of the answer, not of the study.
 */
export async function* listVisibleInstances(
  scope: InstanceScope,
  columns: readonly string[],
  /** Called once per round trip with the entities it returned (search counts its reads). */
  onRead?: (entities: number) => void,
): AsyncGenerator<VisibleInstance> {
  const select = [...new Set([...KEY_COLUMNS, ...columns])];
  if (scope.seriesInstanceUid !== undefined && scope.sopInstanceUid !== undefined) {
    const one = await getVisibleInstance(scope as Required<InstanceScope>, select);
    onRead?.(one ? 1 : 0);
    if (one) yield one;
    return;
  }
  const filter =
    scope.seriesInstanceUid === undefined
      ? odata`PartitionKey eq ${scope.studyInstanceUid} and State eq 'created'`
      : odata`PartitionKey eq ${scope.studyInstanceUid} and RowKey ge ${`${scope.seriesInstanceUid}|`} and RowKey lt ${`${scope.seriesInstanceUid}}`} and State eq 'created'`;
  const pages = table('instances').listEntities<VisibleInstance>({ queryOptions: { filter, select } }).byPage();
  for await (const page of pages) {
    onRead?.(page.length);
    yield* page;
  }
}

async function getVisibleInstance(
  scope: Required<InstanceScope>,
  select: string[],
): Promise<VisibleInstance | undefined> {
  try {
    const entity = await table('instances').getEntity<VisibleInstance & { State?: string }>(
      scope.studyInstanceUid,
      instanceRowKey({
        studyInstanceUid: scope.studyInstanceUid,
        seriesInstanceUid: scope.seriesInstanceUid,
        sopInstanceUid: scope.sopInstanceUid,
      }),
      { queryOptions: { select } },
    );
    // Reservations and instances being deleted are invisible: only `created` exists for readers.
    return entity.State === 'created' ? entity : undefined;
  } catch (error) {
    if (isStorageStatus(error, 404)) return undefined;
    throw error;
  }
}
