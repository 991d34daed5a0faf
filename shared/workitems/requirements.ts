/**
 * Attribute requirements of UPS datasets (PS3.4 Table CC.2.5-3, as the Azure DICOM service
 * applies them): what a create must carry, what an update may not touch, and what a final state
 * needs. Each failure names the attribute (tag and keyword, with its sequence path) and the rule.
 */
import type { DicomJsonDataset, DicomJsonElement } from '../dicom/dicomJson';
import { lookupTag } from '../dicom/dictionary';
import { UpsTag as T } from '../dicom/upsTags';
import { WorkitemError } from '../errors';

/**
 * - `1`: present with a non-empty value; `2`: present, may be empty;
 * - `1ifPresent`: optional, but not empty when sent (Type 3/1 of an update);
 * - `optional`: anything (its items are still checked); `notAllowed`: absent; `mustBeEmpty`: no value.
 */
export type RequirementType = '1' | '2' | '1ifPresent' | 'optional' | 'notAllowed' | 'mustBeEmpty';

export interface Requirement {
  readonly tag: string;
  readonly type: RequirementType;
  /** Checked in every item of the sequence when it has items. */
  readonly items?: readonly Requirement[];
}

function req(tag: string, type: RequirementType, items?: readonly Requirement[]): Requirement {
  return items ? { tag, type, items } : { tag, type };
}

/** The same requirement on each of `tags`, in order. */
function each(type: RequirementType, tags: readonly string[]): Requirement[] {
  return tags.map((tag) => req(tag, type));
}

/** The performed-procedure item: filled in by completion, so not allowed at creation. */
const PERFORMED_ITEM_TAGS: readonly string[] = [
  T.PerformedStationNameCodeSequence,
  T.PerformedProcedureStepStartDateTime,
  T.PerformedWorkitemCodeSequence,
  T.PerformedProcedureStepEndDateTime,
  T.OutputInformationSequence,
];

/** UPS Code Sequence Macro (PS3.4 Table CC.2.5-2a): CodeMeaning is Type 1, the value and scheme 1C. */
const CODE_ITEM: readonly Requirement[] = [req(T.CodeMeaning, '1')];

/** N-CREATE (the SCP-set SOP Class, modification time, label and state are written before the check). */
export const CREATE_REQUIREMENTS: readonly Requirement[] = [
  req(T.TransactionUID, '2'),
  req(T.TransactionUID, 'mustBeEmpty'),
  req(T.SOPInstanceUID, '1'),
  req(T.ScheduledProcedureStepPriority, '1'),
  req(T.ProcedureStepLabel, '1'),
  req(T.ScheduledProcedureStepStartDateTime, '1'),
  req(T.InputReadinessState, '1'),
  req(T.ScheduledProcessingParametersSequence, '2'),
  req(T.ScheduledStationNameCodeSequence, '2', CODE_ITEM),
  req(T.ScheduledStationClassCodeSequence, '2', CODE_ITEM),
  req(T.ScheduledStationGeographicLocationCodeSequence, '2', CODE_ITEM),
  req(T.ScheduledWorkitemCodeSequence, '2', CODE_ITEM),
  req(T.CommentsOnTheScheduledProcedureStep, '2'),
  req(T.InputInformationSequence, '2'),
  req(T.PatientName, '2'),
  req(T.IssuerOfPatientID, '2'),
  req(T.IssuerOfPatientIDQualifiersSequence, '2'),
  req(T.OtherPatientIDsSequence, '2', [req(T.PatientID, '1')]),
  req(T.PatientBirthDate, '2'),
  req(T.PatientSex, '2'),
  req(T.AdmissionID, '2'),
  req(T.IssuerOfAdmissionIDSequence, '2'),
  req(T.AdmittingDiagnosesDescription, '2'),
  req(T.AdmittingDiagnosesCodeSequence, '2', CODE_ITEM),
  req(T.ReferencedRequestSequence, '2', [
    req(T.StudyInstanceUID, '1'),
    req(T.AccessionNumber, '2'),
    req(T.RequestedProcedureID, '2'),
  ]),
  req(
    T.ProcedureStepProgressInformationSequence,
    '2',
    each('notAllowed', [
      T.ProcedureStepCancellationDateTime,
      T.ReasonForCancellation,
      T.ProcedureStepDiscontinuationReasonCodeSequence,
      T.ProcedureStepCommunicationsURISequence,
    ]),
  ),
  req(T.UnifiedProcedureStepPerformedProcedureSequence, '2', each('notAllowed', PERFORMED_ITEM_TAGS)),
];

/**
 * N-SET: identity, patient and request attributes and the state are not the updater's to change;
 * the Transaction UID neither (it is the lock, set by the claim).
 */
export const UPDATE_REQUIREMENTS: readonly Requirement[] = [
  ...each('notAllowed', [
    T.TransactionUID,
    T.SOPClassUID,
    T.SOPInstanceUID,
    T.PatientName,
    T.PatientID,
    T.IssuerOfPatientID,
    T.IssuerOfPatientIDQualifiersSequence,
    T.PatientBirthDate,
    T.PatientSex,
    T.AdmissionID,
    T.IssuerOfAdmissionIDSequence,
    T.AdmittingDiagnosesDescription,
    T.AdmittingDiagnosesCodeSequence,
    T.ReferencedRequestSequence,
    T.ReplacedProcedureStepSequence,
    T.ProcedureStepState,
  ]),
  ...each('1ifPresent', [
    T.ScheduledProcedureStepPriority,
    T.ProcedureStepLabel,
    T.ScheduledProcedureStepStartDateTime,
    T.InputReadinessState,
  ]),
  req(T.ScheduledWorkitemCodeSequence, '1ifPresent', CODE_ITEM),
  req(T.ScheduledStationNameCodeSequence, 'optional', CODE_ITEM),
  req(T.ScheduledStationClassCodeSequence, 'optional', CODE_ITEM),
  req(T.ScheduledStationGeographicLocationCodeSequence, 'optional', CODE_ITEM),
];

/** Every final state. */
const FINAL_REQUIREMENTS: readonly Requirement[] = each('1', [
  T.SOPClassUID,
  T.SOPInstanceUID,
  T.ScheduledProcedureStepPriority,
  T.ScheduledProcedureStepModificationDateTime,
  T.ScheduledProcedureStepStartDateTime,
  T.InputReadinessState,
  T.ProcedureStepState,
]);

export const COMPLETED_REQUIREMENTS: readonly Requirement[] = [
  ...FINAL_REQUIREMENTS,
  req(T.UnifiedProcedureStepPerformedProcedureSequence, '1', each('1', PERFORMED_ITEM_TAGS)),
];

export const CANCELED_REQUIREMENTS: readonly Requirement[] = [
  ...FINAL_REQUIREMENTS,
  req(
    T.ProcedureStepProgressInformationSequence,
    '1',
    each('1', [T.ProcedureStepCancellationDateTime, T.ProcedureStepDiscontinuationReasonCodeSequence]),
  ),
];

/** Throws a 400 WorkitemError for the first requirement `dataset` breaks; `rule` says which table. */
export function checkRequirements(dataset: DicomJsonDataset, requirements: readonly Requirement[], rule: string): void {
  check(dataset, requirements, rule, []);
}

function check(dataset: DicomJsonDataset, requirements: readonly Requirement[], rule: string, path: string[]): void {
  for (const requirement of requirements) {
    const element = dataset[requirement.tag];
    const where = [...path, tagLabel(requirement.tag)].join(' > ');
    const problem = violation(element, requirement.type);
    if (problem) throw new WorkitemError(400, `${problem.replace('{0}', where)} Rule: ${rule}.`);
    if (requirement.items && element?.vr === 'SQ') {
      for (const item of element.Value ?? []) {
        if (item !== null && typeof item === 'object') {
          check(item as DicomJsonDataset, requirement.items, rule, [...path, tagLabel(requirement.tag)]);
        }
      }
    }
  }
}

function violation(element: DicomJsonElement | undefined, type: RequirementType): string | undefined {
  switch (type) {
    case '1':
      if (!element) return "The required tag '{0}' is missing.";
      return hasValue(element) ? undefined : "The value for tag '{0}' is missing.";
    case '2':
      return element ? undefined : "The required tag '{0}' is missing.";
    case 'optional':
      return undefined;
    case '1ifPresent':
      return !element || hasValue(element) ? undefined : "The attribute with tag '{0}' must not be empty.";
    case 'notAllowed':
      return element ? "The attribute with tag '{0}' cannot be present." : undefined;
    case 'mustBeEmpty':
      return element && hasValue(element) ? "The attribute with tag '{0}' must be empty." : undefined;
  }
}

/** A value that is not null or an empty string (a sequence: at least one item). */
export function hasValue(element: DicomJsonElement): boolean {
  return (element.Value ?? []).some((v) => v !== null && v !== '');
}

/** `(0040,4005) ScheduledProcedureStepStartDateTime`: the tag as Azure writes it, and its keyword. */
export function tagLabel(tag: string): string {
  const keyword = lookupTag(tag)?.keyword;
  const written = `(${tag.slice(0, 4)},${tag.slice(4)})`;
  return keyword ? `${written} ${keyword}` : written;
}
