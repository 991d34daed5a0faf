/**
 * What a worklist search returns of each workitem (PS3.18 11.9.3.3): the attributes of PS3.4
 * Table CC.2.5-3 with a Return Key Type of 1 or 2, the matched ones, and those of includefield.
 */
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { UpsTag as T } from '../dicom/upsTags';
import type { WorkitemQuery } from './workitemQuery';

export const RETURN_KEYS: ReadonlySet<string> = new Set([
  T.SpecificCharacterSet,
  T.SOPClassUID,
  T.SOPInstanceUID,
  T.ScheduledProcedureStepPriority,
  T.ProcedureStepLabel,
  T.WorklistLabel,
  T.ScheduledProcessingParametersSequence,
  T.ScheduledStationNameCodeSequence,
  T.ScheduledStationClassCodeSequence,
  T.ScheduledStationGeographicLocationCodeSequence,
  T.ScheduledHumanPerformersSequence,
  T.ScheduledProcedureStepStartDateTime,
  T.ScheduledWorkitemCodeSequence,
  T.InputReadinessState,
  T.InputInformationSequence,
  T.StudyInstanceUID,
  T.PatientName,
  T.PatientID,
  T.IssuerOfPatientID,
  T.IssuerOfPatientIDQualifiersSequence,
  T.OtherPatientIDsSequence,
  T.PatientBirthDate,
  T.PatientSex,
  T.AdmissionID,
  T.IssuerOfAdmissionIDSequence,
  T.AdmittingDiagnosesDescription,
  T.AdmittingDiagnosesCodeSequence,
  T.ReferencedRequestSequence,
  T.MedicalAlerts,
  T.PregnancyStatus,
  T.SpecialNeeds,
  T.ProcedureStepState,
  T.ProcedureStepProgressInformationSequence,
]);

export function returnedDataset(dataset: DicomJsonDataset, query: WorkitemQuery): DicomJsonDataset {
  if (query.includeFields === 'all') return dataset;
  const tags = new Set([
    ...RETURN_KEYS,
    ...query.includeFields,
    ...query.filters.map((f) => f.attribute.path[0] ?? ''),
  ]);
  const result: DicomJsonDataset = {};
  for (const [tag, element] of Object.entries(dataset)) if (tags.has(tag)) result[tag] = element;
  return result;
}
