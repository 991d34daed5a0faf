/**
 * Beyond Azure: extra Storage Queues, each taking only the events that match its filter
 * (DICOM_EVENTS_FILTERED_QUEUES, docs/lifecycle.md), e.g.
 * `ct-mr-events?Modality=CT,MR;deletes?eventType=DicomImageDeleted`. Entries are separated by `;`,
 * conditions by `&`; a condition lists the accepted values, separated by `,`; every condition must
 * hold. Keys: `eventType` (`DicomImageCreated`, `DicomImageUpdated`, `DicomImageDeleted`),
 * `partitionName`, `Modality` (known for created and updated instances only: a deleted
 * instance's attributes are gone, so a Modality filter never passes a delete).
 */

export type FilterKey = 'eventType' | 'partitionName' | 'Modality';

export interface QueueFilter {
  readonly queue: string;
  readonly conditions: ReadonlyMap<FilterKey, ReadonlySet<string>>;
}

/** What a filter is matched against, for one event. */
export interface FilterSubject {
  readonly eventType: string;
  readonly partitionName: string;
  /** undefined when not known (a delete). */
  readonly modalities: readonly string[] | undefined;
}

const KEYS: readonly FilterKey[] = ['eventType', 'partitionName', 'Modality'];
const QUEUE_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const EVENT_TYPE_PREFIX = 'Microsoft.HealthcareApis.';

export function parseFilteredQueues(raw: string | undefined, problems: string[]): QueueFilter[] {
  if (raw === undefined) return [];
  const filters: QueueFilter[] = [];
  for (const entry of raw
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const [queue = '', query = ''] = entry.split('?', 2);
    if (!QUEUE_NAME.test(queue)) {
      problems.push(`DICOM_EVENTS_FILTERED_QUEUES: "${queue}" is not a valid queue name`);
      continue;
    }
    const conditions = new Map<FilterKey, Set<string>>();
    for (const condition of query.split('&').filter((c) => c !== '')) {
      const [key = '', values = ''] = condition.split('=', 2);
      const known = KEYS.find((k) => k.toLowerCase() === key.trim().toLowerCase());
      const accepted = values
        .split(',')
        .map((v) => normalize(known, v))
        .filter((v) => v !== '');
      if (!known || accepted.length === 0) {
        problems.push(`DICOM_EVENTS_FILTERED_QUEUES: "${condition}" must be one of ${KEYS.join(', ')} with values`);
        continue;
      }
      conditions.set(known, new Set(accepted));
    }
    filters.push({ queue, conditions });
  }
  return filters;
}

export function matches(filter: QueueFilter, subject: FilterSubject): boolean {
  for (const [key, accepted] of filter.conditions) {
    if (key === 'Modality') {
      if (!subject.modalities?.some((m) => accepted.has(m.toUpperCase()))) return false;
    } else if (!accepted.has(normalize(key, key === 'eventType' ? subject.eventType : subject.partitionName))) {
      return false;
    }
  }
  return true;
}

/** Event types compare without their namespace; modalities case-insensitively; partitions as written. */
function normalize(key: FilterKey | undefined, value: string): string {
  const trimmed = value.trim();
  if (key === 'eventType')
    return trimmed.startsWith(EVENT_TYPE_PREFIX) ? trimmed.slice(EVENT_TYPE_PREFIX.length) : trimmed;
  if (key === 'Modality') return trimmed.toUpperCase();
  return trimmed;
}
