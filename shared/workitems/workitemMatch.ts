/** Whether a stored workitem satisfies a filter; must agree with the keys of workitemIndexEntries. */
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { nameWords, normalizePersonName, normalizeValue } from '../search/normalize';
import { dateTimeKey } from './dateTimeKey';
import { pathValues } from './workitemAttributes';
import type { WorkitemFilter } from './workitemQuery';

export function matchesWorkitem(dataset: DicomJsonDataset, filters: readonly WorkitemFilter[]): boolean {
  return filters.every((filter) => matches(dataset, filter));
}

function matches(dataset: DicomJsonDataset, filter: WorkitemFilter): boolean {
  const values = pathValues(dataset, filter.attribute.path);
  switch (filter.kind) {
    case 'exact': {
      const match = filter.attribute.match === 'dateTime' ? 'string' : filter.attribute.match;
      return values.some((v) => normalizeValue(match, v) === filter.value);
    }
    case 'fuzzy':
      return values.some((v) => {
        const parts = nameWords(normalizePersonName(v));
        return filter.words.every((word) => parts.some((part) => part.startsWith(word)));
      });
    case 'range':
      return values.some((v) => {
        const key = dateTimeKey(v, '0');
        return (
          key !== undefined &&
          (filter.from === undefined || filter.from <= key) &&
          (filter.to === undefined || key <= filter.to)
        );
      });
  }
}
