/** Instance rows as the summary refresh reads them, for the pure tests of summaries and index plans. */
import { Tag } from '../../shared/dicom/tags';
import type { SummaryInstanceRow } from '../../shared/search/studySummary';

export function instanceRow(series: string, sequence: number, attributes: Record<string, string>): SummaryInstanceRow {
  const dataset: Record<string, { vr: string; Value: unknown[] }> = {};
  for (const [tag, value] of Object.entries(attributes)) {
    dataset[tag] =
      tag === Tag.PatientName ? { vr: 'PN', Value: [{ Alphabetic: value }] } : { vr: 'LO', Value: [value] };
  }
  return { SeriesInstanceUID: series, Sequence: sequence, QidoAttributes: JSON.stringify(dataset) };
}
