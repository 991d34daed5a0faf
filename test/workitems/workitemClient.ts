// HTTP helpers and datasets for the UPS-RS tests: what a worklist client sends.
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { UpsTag as T } from '../../shared/dicom/upsTags';

export const DICOM_JSON = 'application/dicom+json';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, when there is one. */
  readonly json: unknown;
}

export async function send(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(url, {
    method,
    headers: {
      Accept: DICOM_JSON,
      ...(body === undefined ? {} : { 'Content-Type': DICOM_JSON }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export interface WorkitemSpec {
  readonly uid?: string;
  readonly patientId?: string;
  readonly patientName?: string;
  readonly start?: string;
  readonly station?: string;
  readonly accession?: string;
}

/** A workitem with every Type 1 and 2 attribute of N-CREATE (PS3.4 Table CC.2.5-3). */
export function workitemDataset(spec: WorkitemSpec = {}): DicomJsonDataset {
  const ds: DicomJsonDataset = {
    [T.TransactionUID]: { vr: 'UI' },
    [T.ScheduledProcedureStepPriority]: { vr: 'CS', Value: ['MEDIUM'] },
    [T.ProcedureStepLabel]: { vr: 'LO', Value: ['AI chest triage'] },
    [T.ScheduledProcedureStepStartDateTime]: { vr: 'DT', Value: [spec.start ?? '20261207090000'] },
    [T.InputReadinessState]: { vr: 'CS', Value: ['READY'] },
    [T.ScheduledProcessingParametersSequence]: { vr: 'SQ' },
    [T.ScheduledStationNameCodeSequence]: spec.station ? codeSequence(spec.station) : { vr: 'SQ' },
    [T.ScheduledStationClassCodeSequence]: { vr: 'SQ' },
    [T.ScheduledStationGeographicLocationCodeSequence]: { vr: 'SQ' },
    [T.ScheduledWorkitemCodeSequence]: { vr: 'SQ' },
    [T.CommentsOnTheScheduledProcedureStep]: { vr: 'LT' },
    [T.InputInformationSequence]: { vr: 'SQ' },
    [T.PatientName]: { vr: 'PN', Value: [{ Alphabetic: spec.patientName ?? 'Doe^Jane' }] },
    [T.PatientID]: { vr: 'LO', Value: [spec.patientId ?? 'PID-1'] },
    [T.IssuerOfPatientID]: { vr: 'LO' },
    [T.IssuerOfPatientIDQualifiersSequence]: { vr: 'SQ' },
    [T.OtherPatientIDsSequence]: { vr: 'SQ' },
    [T.PatientBirthDate]: { vr: 'DA' },
    [T.PatientSex]: { vr: 'CS', Value: ['F'] },
    [T.AdmissionID]: { vr: 'LO' },
    [T.IssuerOfAdmissionIDSequence]: { vr: 'SQ' },
    [T.AdmittingDiagnosesDescription]: { vr: 'LO' },
    [T.AdmittingDiagnosesCodeSequence]: { vr: 'SQ' },
    [T.ReferencedRequestSequence]: spec.accession
      ? {
          vr: 'SQ',
          Value: [
            {
              [T.StudyInstanceUID]: { vr: 'UI', Value: ['1.2.3.4'] },
              [T.AccessionNumber]: { vr: 'SH', Value: [spec.accession] },
              [T.RequestedProcedureID]: { vr: 'SH' },
            },
          ],
        }
      : { vr: 'SQ' },
    [T.ProcedureStepProgressInformationSequence]: { vr: 'SQ' },
    [T.UnifiedProcedureStepPerformedProcedureSequence]: { vr: 'SQ' },
  };
  if (spec.uid !== undefined) ds[T.SOPInstanceUID] = { vr: 'UI', Value: [spec.uid] };
  return ds;
}

export function codeSequence(value: string): DicomJsonDataset[string] {
  return {
    vr: 'SQ',
    Value: [
      {
        [T.CodeValue]: { vr: 'SH', Value: [value] },
        [T.CodingSchemeDesignator]: { vr: 'SH', Value: ['99LOCAL'] },
        [T.CodeMeaning]: { vr: 'LO', Value: [`Station ${value}`] },
      },
    ],
  };
}

/** What a performer sends (N-SET while IN PROGRESS) before completing: the Performed Procedure module. */
export function performedProcedure(): DicomJsonDataset {
  return {
    [T.UnifiedProcedureStepPerformedProcedureSequence]: {
      vr: 'SQ',
      Value: [
        {
          [T.PerformedStationNameCodeSequence]: codeSequence('AI-NODE-1'),
          [T.PerformedProcedureStepStartDateTime]: { vr: 'DT', Value: ['20261207091000'] },
          [T.PerformedWorkitemCodeSequence]: codeSequence('TRIAGE'),
          [T.PerformedProcedureStepEndDateTime]: { vr: 'DT', Value: ['20261207091500'] },
          [T.OutputInformationSequence]: {
            vr: 'SQ',
            Value: [{ [T.SOPInstanceUID]: { vr: 'UI', Value: ['1.2.3.9'] } }],
          },
        },
      ],
    },
  };
}

/** What an owner sends (N-SET while IN PROGRESS) before canceling: when and why. */
export function cancellationProgress(): DicomJsonDataset {
  return {
    [T.ProcedureStepProgressInformationSequence]: {
      vr: 'SQ',
      Value: [
        {
          [T.ProcedureStepCancellationDateTime]: { vr: 'DT', Value: ['20261207091200'] },
          [T.ProcedureStepDiscontinuationReasonCodeSequence]: codeSequence('110513'),
        },
      ],
    },
  };
}

export function stateChange(state: string, transactionUid: string): DicomJsonDataset {
  return {
    [T.TransactionUID]: { vr: 'UI', Value: [transactionUid] },
    [T.ProcedureStepState]: { vr: 'CS', Value: [state] },
  };
}
