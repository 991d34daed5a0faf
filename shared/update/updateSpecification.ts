/**
 * The body of `POST /v2/studies/$bulkUpdate`: `{studyInstanceUids, changeDataset}`
 * (../shared/azure-api-reference.md §5). Property names match case-insensitively, as Azure's JSON
 * options do.
 */
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { isAddressableUid } from '../dicom/uid';
import { Tag } from '../dicom/tags';
import { BadRequestError } from '../errors';
import { parseChangeDataset, type AttributeChange } from './changeDataset';
import { MAX_UPDATE_STUDIES } from './updateTags';

export interface UpdateSpecification {
  readonly studyInstanceUids: string[];
  readonly changes: AttributeChange[];
}

export type ParsedUpdate =
  | { readonly kind: 'valid'; readonly specification: UpdateSpecification }
  /** Attributes refused: answered 400 with this DICOM JSON body. */
  | { readonly kind: 'invalidAttributes'; readonly body: DicomJsonDataset };

/** A body holds 50 UIDs and at most 36 short attributes; anything near this is hostile. */
export const MAX_UPDATE_BODY_BYTES = 256 * 1024;

export function parseUpdateSpecification(body: unknown): ParsedUpdate {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('The syntax of the request body is invalid.');
  }
  const fields = new Map(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), v]));
  const uids = fields.get('studyinstanceuids');
  if (uids === undefined || uids === null || (Array.isArray(uids) && uids.length === 0)) {
    throw new BadRequestError("The required field 'StudyInstanceUids' is missing or empty.");
  }
  if (!Array.isArray(uids)) throw new BadRequestError('The syntax of the request body is invalid.');
  if (uids.length > MAX_UPDATE_STUDIES) {
    throw new BadRequestError(`StudyInstanceUids count exceeded maximum length '${MAX_UPDATE_STUDIES}'`);
  }
  for (const uid of uids) {
    if (typeof uid !== 'string' || !isAddressableUid(uid)) {
      const shown = typeof uid === 'string' ? uid.slice(0, 80) : JSON.stringify(uid)?.slice(0, 80);
      throw new BadRequestError(`DICOM100: Study Instance UID '${shown ?? ''}' is invalid.`, 'InvalidUid');
    }
  }
  const changeDataset = fields.get('changedataset');
  if (changeDataset === undefined || changeDataset === null) {
    throw new BadRequestError("The required field 'ChangeDataset' is missing or empty.");
  }
  const { changes, failures } = parseChangeDataset(changeDataset);
  if (failures.length > 0) {
    return {
      kind: 'invalidAttributes',
      body: {
        [Tag.FailedAttributesSequence]: {
          vr: 'SQ',
          Value: failures.map((f) => ({ [Tag.ErrorComment]: { vr: 'LO', Value: [f.message] } })),
        },
      },
    };
  }
  if (changes.length === 0) throw new BadRequestError("The required field 'ChangeDataset' is missing or empty.");
  return { kind: 'valid', specification: { studyInstanceUids: [...new Set(uids as string[])], changes } };
}
