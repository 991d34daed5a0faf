/**
 * What one element's values will cost in memory once decoded into DICOM JSON, estimated from its
 * encoded bytes before decoding (issue 13: 32 MiB of multi-valued person names once decoded into
 * 2.35 GB of objects). The parser charges it against its metadata budget first, so such a value
 * fails the instance before a single object is made.
 */

import { NUMERIC_VR_SIZE } from './vr';

/** A decoded string or number in an array: the slot, the string header, typical padding. */
const VALUE_COST = 32;
/** A person name becomes an object with up to three component strings. */
const PERSON_NAME_COST = 160;

/** Text VRs whose values are separated by backslashes. */
const MULTI_VALUED_TEXT = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'PN', 'SH', 'TM', 'UC', 'UI']);

const BACKSLASH = 0x5c;

export function decodedValueCost(vr: string, bytes: Uint8Array): number {
  const binarySize = NUMERIC_VR_SIZE[vr];
  if (binarySize !== undefined) return Math.floor(bytes.length / binarySize) * VALUE_COST;
  if (!MULTI_VALUED_TEXT.has(vr)) return VALUE_COST;
  let values = 1;
  for (let i = bytes.indexOf(BACKSLASH); i >= 0; i = bytes.indexOf(BACKSLASH, i + 1)) values++;
  return values * (vr === 'PN' ? PERSON_NAME_COST : VALUE_COST);
}
