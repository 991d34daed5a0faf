/**
 * Every tag the service refers to by name, as eight uppercase hex digits (the DICOM JSON key form).
 * The full public dictionary lives in `dictionary.ts`; this list is what code spells out.
 */
export const Tag = {
  // File Meta Information
  TransferSyntaxUID: '00020010',
  // Identifiers and searchable attributes
  SpecificCharacterSet: '00080005',
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  StudyDate: '00080020',
  SeriesDate: '00080021',
  StudyTime: '00080030',
  SeriesTime: '00080031',
  AccessionNumber: '00080050',
  InstanceAvailability: '00080056',
  Modality: '00080060',
  ModalitiesInStudy: '00080061',
  AnatomicRegionsInStudyCodeSequence: '00080063',
  ReferringPhysicianName: '00080090',
  TimezoneOffsetFromUTC: '00080201',
  StudyDescription: '00081030',
  ProcedureCodeSequence: '00081032',
  SeriesDescription: '0008103E',
  NameOfPhysiciansReadingStudy: '00081060',
  AdmittingDiagnosesDescription: '00081080',
  ManufacturerModelName: '00081090',
  ReferencedStudySequence: '00081110',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  PatientAge: '00101010',
  PatientSize: '00101020',
  PatientWeight: '00101030',
  Occupation: '00102180',
  AdditionalPatientHistory: '001021B0',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  StudyID: '00200010',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  Laterality: '00200060',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  PerformedProcedureStepStartDate: '00400244',
  PerformedProcedureStepStartTime: '00400245',
  RequestAttributesSequence: '00400275',
  // Image Pixel module: what the frame index needs
  SamplesPerPixel: '00280002',
  PhotometricInterpretation: '00280004',
  PlanarConfiguration: '00280006',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  BitsAllocated: '00280100',
  BitsStored: '00280101',
  HighBit: '00280102',
  PixelRepresentation: '00280103',
  ExtendedOffsetTable: '7FE00001',
  ExtendedOffsetTableLengths: '7FE00002',
  FloatPixelData: '7FE00008',
  DoubleFloatPixelData: '7FE00009',
  PixelData: '7FE00010',
  // STOW-RS response
  ErrorComment: '00000902',
  RetrieveURL: '00081190',
  ReferencedSOPClassUID: '00081150',
  ReferencedSOPInstanceUID: '00081155',
  WarningReason: '00081196',
  FailureReason: '00081197',
  FailedSOPSequence: '00081198',
  ReferencedSOPSequence: '00081199',
  FailedAttributesSequence: '00741048',
} as const;

export type TagName = keyof typeof Tag;
export type TagValue = (typeof Tag)[TagName];

/** `(0008,002a)`: the form the Azure service (fo-dicom) uses for tags in messages. */
export function formatTag(tag: string): string {
  const lower = tag.toLowerCase();
  return `(${lower.slice(0, 4)},${lower.slice(4, 8)})`;
}
