/**
 * The table reads of a search, each counted in the request's SearchCost, and cached per request
 * so a study read once for one candidate is not read again for the next.
 */
import { odata } from '@azure/data-tables';
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { table } from '../storage/clients';
import { listVisibleInstances, type VisibleInstance } from '../storage/instanceQueries';
import { getEntityIfExists } from '../storage/entityReads';
import type { SearchCost } from './searchCost';
import { readStoredStudy, seriesFromEntity, STUDY_ROW_KEY, studyFromEntity, type SummaryEntity } from './summaryRows';
import { parseAttributes, type SeriesSummary, type StudySummary } from './studySummary';

export interface InstanceHit {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly attributes: DicomJsonDataset;
}

/** The instance columns a hit needs besides the keys every listing returns. */
const HIT_COLUMNS = ['QidoAttributes'];

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

  /**
   * A study row and one of its series rows: one partition query for both, or a series point read
   * when the study was read (or is being read) already.
   */
  async studyAndSeries(
    studyInstanceUid: string,
    seriesInstanceUid: string,
  ): Promise<{ study: StudySummary | undefined; series: SeriesSummary | undefined }> {
    if (this.fullStudies.has(studyInstanceUid) || this.studies.has(studyInstanceUid)) {
      const [study, series] = await Promise.all([
        this.study(studyInstanceUid),
        this.seriesOf(studyInstanceUid, seriesInstanceUid),
      ]);
      return { study, series };
    }
    const rows = this.readRows(
      odata`PartitionKey eq ${studyInstanceUid} and (RowKey eq ${STUDY_ROW_KEY} or RowKey eq ${seriesInstanceUid})`,
    );
    const study = rows.then((found) => {
      const row = found.find((e) => e.rowKey === STUDY_ROW_KEY);
      return row ? studyFromEntity(row) : undefined;
    });
    const series = rows.then((found) => {
      const row = found.find((e) => e.rowKey === seriesInstanceUid);
      return row ? seriesFromEntity(row) : undefined;
    });
    // Later candidates of the same study share this read.
    this.studies.set(studyInstanceUid, study);
    this.series.set(`${studyInstanceUid}|${seriesInstanceUid}`, series);
    // Both awaited at once, so a failed read rejects here and leaves no unhandled rejection.
    const [studyFound, seriesFound] = await Promise.all([study, series]);
    return { study: studyFound, series: seriesFound };
  }

  /** The visible instances of a study, or of one series of it, in RowKey order. */
  async *instances(studyInstanceUid: string, seriesInstanceUid?: string): AsyncGenerator<InstanceHit> {
    const rows = listVisibleInstances({ studyInstanceUid, seriesInstanceUid }, HIT_COLUMNS, (n) => this.cost.read(n));
    for await (const row of rows) yield hitOf(studyInstanceUid, row);
  }

  /** One visible instance: a point read. */
  async instance(
    studyInstanceUid: string,
    seriesInstanceUid: string,
    sopInstanceUid: string,
  ): Promise<InstanceHit | undefined> {
    const scope = { studyInstanceUid, seriesInstanceUid, sopInstanceUid };
    for await (const row of listVisibleInstances(scope, HIT_COLUMNS, (n) => this.cost.read(n)))
      return hitOf(studyInstanceUid, row);
    return undefined;
  }

  private async readFullStudy(studyInstanceUid: string): Promise<StudySummary | undefined> {
    return (await readStoredStudy(studyInstanceUid, this.cost)).summary;
  }

  private async readRows(filter: string): Promise<SummaryEntity[]> {
    const found: SummaryEntity[] = [];
    const pages = table('studies').listEntities<SummaryEntity>({ queryOptions: { filter } }).byPage();
    for await (const page of pages) {
      this.cost.read(page.length);
      found.push(...page);
    }
    return found;
  }

  private async pointRead(partitionKey: string, rowKey: string): Promise<SummaryEntity | undefined> {
    const entity = await getEntityIfExists<SummaryEntity>(table('studies'), partitionKey, rowKey);
    this.cost.read(entity ? 1 : 0);
    return entity;
  }
}

/** An instance as search returns it, from a visible row (listing or walk). */
export function hitOf(studyInstanceUid: string, row: VisibleInstance): InstanceHit {
  return {
    studyInstanceUid,
    seriesInstanceUid: row.SeriesInstanceUID,
    sopInstanceUid: row.SOPInstanceUID,
    attributes: parseAttributes(typeof row.QidoAttributes === 'string' ? row.QidoAttributes : undefined),
  };
}
