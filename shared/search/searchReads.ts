/**
 * The table reads of a search, each counted in the request's SearchCost, and cached per request
 * so a study read once for one candidate is not read again for the next.
 */
import { odata, type TableEntity } from '@azure/data-tables';
import { table } from '../storage/clients';
import { isStorageStatus } from '../storage/storageErrors';
import { instanceRowKey } from '../storage/instanceRecords';
import type { SearchCost } from './searchCost';
import { listSummaryRows, seriesFromEntity, STUDY_ROW_KEY, studyFromEntity, type SummaryEntity } from './summaryRows';
import type { SeriesSummary, StudySummary } from './studySummary';
import { parseAttributes } from './studySummary';
import type { DicomJsonDataset } from '../dicom/dicomJson';

export interface InstanceHit {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly attributes: DicomJsonDataset;
}

interface InstanceRow extends TableEntity {
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
  readonly State?: string;
  readonly QidoAttributes?: string;
}

const INSTANCE_COLUMNS = ['SeriesInstanceUID', 'SOPInstanceUID', 'State', 'QidoAttributes'];
/** Rows per page when a whole study's instances or series are listed. */
const LIST_PAGE_SIZE = 1000;

export class SearchReads {
  private readonly studies = new Map<string, Promise<StudySummary | undefined>>();
  private readonly fullStudies = new Map<string, Promise<StudySummary | undefined>>();
  private readonly series = new Map<string, Promise<SeriesSummary | undefined>>();

  constructor(readonly cost: SearchCost) {}

  /** The study row alone (no series): one point read. */
  study(studyInstanceUid: string): Promise<StudySummary | undefined> {
    const full = this.fullStudies.get(studyInstanceUid);
    if (full) return full;
    let found = this.studies.get(studyInstanceUid);
    if (!found) {
      found = this.pointRead(studyInstanceUid, STUDY_ROW_KEY).then((e) => (e ? studyFromEntity(e) : undefined));
      this.studies.set(studyInstanceUid, found);
    }
    return found;
  }

  /** The study with every series summary: one partition query. */
  studyWithSeries(studyInstanceUid: string): Promise<StudySummary | undefined> {
    let found = this.fullStudies.get(studyInstanceUid);
    if (!found) {
      found = this.readFullStudy(studyInstanceUid);
      this.fullStudies.set(studyInstanceUid, found);
    }
    return found;
  }

  /** One series summary: a point read, or nothing when the whole study was read already. */
  async seriesOf(studyInstanceUid: string, seriesInstanceUid: string): Promise<SeriesSummary | undefined> {
    const full = this.fullStudies.get(studyInstanceUid);
    if (full) return (await full)?.series.find((s) => s.seriesInstanceUid === seriesInstanceUid);
    const key = `${studyInstanceUid}|${seriesInstanceUid}`;
    let found = this.series.get(key);
    if (!found) {
      found = this.pointRead(studyInstanceUid, seriesInstanceUid).then((e) => (e ? seriesFromEntity(e) : undefined));
      this.series.set(key, found);
    }
    return found;
  }

  /** The visible instances of a study, or of one series of it, in RowKey order. */
  async *instances(studyInstanceUid: string, seriesInstanceUid?: string): AsyncGenerator<InstanceHit> {
    const filter =
      seriesInstanceUid === undefined
        ? odata`PartitionKey eq ${studyInstanceUid} and State eq 'created'`
        : odata`PartitionKey eq ${studyInstanceUid} and RowKey ge ${`${seriesInstanceUid}|`} and RowKey lt ${`${seriesInstanceUid}}`} and State eq 'created'`;
    const pages = table('instances')
      .listEntities<InstanceRow>({ queryOptions: { filter, select: INSTANCE_COLUMNS } })
      .byPage({ maxPageSize: LIST_PAGE_SIZE });
    for await (const page of pages) {
      this.cost.page(page.length);
      for (const row of page) yield hitOf(row);
    }
  }

  /** One visible instance: a point read. */
  async instance(
    studyInstanceUid: string,
    seriesInstanceUid: string,
    sopInstanceUid: string,
  ): Promise<InstanceHit | undefined> {
    const rowKey = instanceRowKey({ studyInstanceUid, seriesInstanceUid, sopInstanceUid });
    try {
      const row = await table('instances').getEntity<InstanceRow>(studyInstanceUid, rowKey, {
        queryOptions: { select: INSTANCE_COLUMNS },
      });
      this.cost.pointRead(true);
      return row.State === 'created' ? hitOf(row) : undefined;
    } catch (error) {
      if (!isStorageStatus(error, 404)) throw error;
      this.cost.pointRead(false);
      return undefined;
    }
  }

  private async readFullStudy(studyInstanceUid: string): Promise<StudySummary | undefined> {
    let study: SummaryEntity | undefined;
    const series: SeriesSummary[] = [];
    for await (const entity of listSummaryRows(studyInstanceUid, this.cost)) {
      if (entity.rowKey === STUDY_ROW_KEY) study = entity;
      else series.push(seriesFromEntity(entity));
    }
    return study ? studyFromEntity(study, series) : undefined;
  }

  private async pointRead(partitionKey: string, rowKey: string): Promise<SummaryEntity | undefined> {
    try {
      const entity = await table('studies').getEntity<SummaryEntity>(partitionKey, rowKey);
      this.cost.pointRead(true);
      return entity;
    } catch (error) {
      if (!isStorageStatus(error, 404)) throw error;
      this.cost.pointRead(false);
      return undefined;
    }
  }
}

function hitOf(row: InstanceRow): InstanceHit {
  return {
    studyInstanceUid: row.partitionKey,
    seriesInstanceUid: row.SeriesInstanceUID,
    sopInstanceUid: row.SOPInstanceUID,
    attributes: parseAttributes(row.QidoAttributes),
  };
}
