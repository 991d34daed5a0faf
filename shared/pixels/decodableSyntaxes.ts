/** The compressed transfer syntaxes whose frames the pixel workers decode (dcmjs-codecs). */
import { JPEG2000_FAMILY, JPEG_FAMILY, TransferSyntax } from '../dicom/transferSyntax';

// Every JPEG and JPEG 2000 family member but the multi-component (Part 2) JPEG 2000 syntaxes,
// which the codecs do not read; and RLE.
const NOT_DECODABLE: ReadonlySet<string> = new Set([TransferSyntax.JPEG2000MCLossless, TransferSyntax.JPEG2000MC]);
const DECODABLE: ReadonlySet<string> = new Set(
  [...JPEG_FAMILY, ...JPEG2000_FAMILY, TransferSyntax.RLELossless].filter((uid) => !NOT_DECODABLE.has(uid)),
);

export function isDecodableSyntax(uid: string): boolean {
  return DECODABLE.has(uid);
}
