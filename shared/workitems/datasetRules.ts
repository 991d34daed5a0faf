/** Value rules every stored workitem keeps, beyond the presence rules of requirements.ts. */
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { getString } from '../dicom/dicomJson';
import { UpsTag as T } from '../dicom/upsTags';
import { WorkitemError } from '../errors';
import { dateTimeKey, isDateTime } from './dateTimeKey';
import { tagLabel } from './requirements';

/** The start date-time keys the worklist index: it must be a DT value (PS3.5 6.2). */
export function checkStartDateTime(dataset: DicomJsonDataset): void {
  const value = getString(dataset, T.ScheduledProcedureStepStartDateTime);
  if (value === undefined) return;
  if (!isDateTime(value) || dateTimeKey(value, '0') === undefined) {
    throw new WorkitemError(
      400,
      `The value '${value.slice(0, 64)}' of tag '${tagLabel(T.ScheduledProcedureStepStartDateTime)}' is not a valid DT (YYYYMMDDHHMMSS.FFFFFF&ZZXX). Rule: DT value representation, PS3.5 6.2.`,
    );
  }
}

/** The dataset as stored and returned: the Transaction UID is the lock and is kept apart. */
export function withoutTransactionUid(dataset: DicomJsonDataset): DicomJsonDataset {
  const copy = { ...dataset };
  delete copy[T.TransactionUID];
  return copy;
}
