/**
 * One change-feed entry as an Azure Event Grid event of the DICOM service (Event Grid schema;
 * ../shared/azure-api-reference.md section 9, [AZ-EVMS]): `data.sequenceNumber` is the entry's
 * sequence, and the `id` is derived from the service host and that sequence, so a republished
 * event carries the same id and subscribers de-duplicate by it, as Azure asks them to.
 */
import { createHash } from 'node:crypto';
import type { ChangeFeedAction } from '../changefeed/changeFeedEntry';
import type { FeedRow } from '../changefeed/changeFeedReader';

export const DEFAULT_PARTITION = 'Microsoft.Default';

const EVENT_TYPES: Record<ChangeFeedAction, string> = {
  create: 'Microsoft.HealthcareApis.DicomImageCreated',
  update: 'Microsoft.HealthcareApis.DicomImageUpdated',
  delete: 'Microsoft.HealthcareApis.DicomImageDeleted',
};

export interface DicomEventData {
  readonly partitionName: string;
  readonly imageStudyInstanceUid: string;
  readonly imageSeriesInstanceUid: string;
  readonly imageSopInstanceUid: string;
  readonly serviceHostName: string;
  readonly sequenceNumber: number;
}

export interface EventGridEvent {
  readonly id: string;
  readonly topic: string;
  readonly subject: string;
  readonly eventType: string;
  readonly eventTime: string;
  readonly data: DicomEventData;
  readonly dataVersion: string;
  readonly metadataVersion: string;
}

export interface EventSource {
  /** e.g. `dicom.example.org` or `localhost:7071`. */
  readonly serviceHostName: string;
  /** The envelope's `topic`: on Azure the workspace's ARM ID. */
  readonly topic: string;
}

/** The event of one committed change-feed entry. A row that names a data partition keeps it. */
export function eventOf(row: FeedRow, source: EventSource): EventGridEvent {
  const partitionName = row.partitionName;
  return {
    id: eventId(source.serviceHostName, row.sequence),
    topic: source.topic,
    subject:
      `${source.serviceHostName}/v1/partitions/${partitionName}/studies/${row.studyInstanceUid}` +
      `/series/${row.seriesInstanceUid}/instances/${row.sopInstanceUid}`,
    eventType: EVENT_TYPES[row.action],
    eventTime: row.eventTime.toISOString(),
    data: {
      partitionName,
      imageStudyInstanceUid: row.studyInstanceUid,
      imageSeriesInstanceUid: row.seriesInstanceUid,
      imageSopInstanceUid: row.sopInstanceUid,
      serviceHostName: source.serviceHostName,
      sequenceNumber: row.sequence,
    },
    dataVersion: '1',
    metadataVersion: '1',
  };
}

/** A UUID-shaped id, the same every time for one host and sequence. */
function eventId(host: string, sequence: number): string {
  const hex = createHash('sha256').update(`${host}\n${sequence}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
