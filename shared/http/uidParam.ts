import { isAddressableUid } from '../dicom/uid';
import { BadRequestError } from '../errors';

/** Reads a UID route parameter; a malformed one is a 400 that names it. */
export function uidParam(value: string | undefined, name: string): string {
  if (value === undefined || !isAddressableUid(value)) {
    throw new BadRequestError(
      `The specified ${name} '${value ?? ''}' is invalid: a UID has 1 to 64 characters, letters, digits, '.' and '-' only, and is not '.' or '..'.`,
      'InvalidUid',
    );
  }
  return value;
}
