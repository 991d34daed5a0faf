/** A workitem as stored: its dataset and the two facts every transaction checks first. */
import type { DicomJsonDataset } from '../dicom/dicomJson';
import type { ProcedureStepState } from './procedureStepState';

export interface WorkitemRecord {
  /** The workitem's SOP Instance UID. */
  readonly uid: string;
  readonly state: ProcedureStepState;
  /** The lock a claim set; undefined while SCHEDULED. Never part of `dataset`. */
  readonly transactionUid: string | undefined;
  /** The dataset without TransactionUID (0008,1195), which is never returned. */
  readonly dataset: DicomJsonDataset;
}

export interface StoredWorkitem {
  readonly record: WorkitemRecord;
  readonly etag: string;
}
