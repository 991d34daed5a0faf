/**
 * The attributes bulk update may change: Azure's 36 (`UpdateTags.cs`, docs/concepts/bulk-update.md;
 * ../shared/azure-api-reference.md §5), patient and study level, all text VRs.
 */
import { lookupTag, tagForKeyword } from '../dicom/dictionary';

const UPDATABLE_KEYWORDS = [
  'PatientName',
  'PatientID',
  'OtherPatientIDs',
  'TypeOfPatientID',
  'OtherPatientNames',
  'PatientBirthName',
  'PatientMotherBirthName',
  'MedicalRecordLocator',
  'PatientAge',
  'Occupation',
  'ConfidentialityConstraintOnPatientDataDescription',
  'PatientBirthDate',
  'PatientBirthTime',
  'PatientSex',
  'QualityControlSubject',
  'PatientSize',
  'PatientWeight',
  'PatientAddress',
  'MilitaryRank',
  'BranchOfService',
  'CountryOfResidence',
  'RegionOfResidence',
  'PatientTelephoneNumbers',
  'EthnicGroup',
  'PatientReligiousPreference',
  'PatientComments',
  'ResponsiblePerson',
  'ResponsiblePersonRole',
  'ResponsibleOrganization',
  'PatientSpeciesDescription',
  'PatientBreedDescription',
  'BreedRegistrationNumber',
  'IssuerOfPatientID',
  'AccessionNumber',
  'ReferringPhysicianName',
  'StudyDescription',
] as const;

/** Tag (eight uppercase hex digits) → its VR, for every updatable attribute. */
export const UPDATABLE_TAGS: ReadonlyMap<string, string> = new Map(
  UPDATABLE_KEYWORDS.map((keyword) => {
    const tag = tagForKeyword(keyword);
    const vr = tag === undefined ? undefined : lookupTag(tag)?.vr;
    if (tag === undefined || vr === undefined) throw new Error(`${keyword} is not in the DICOM dictionary.`);
    return [tag, vr.split('/')[0] ?? vr];
  }),
);

/** Most studies one request may name (`UpdateTags.MaxStudyInstanceUidLength`). */
export const MAX_UPDATE_STUDIES = 50;
