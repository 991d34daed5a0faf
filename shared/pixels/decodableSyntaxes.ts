/** The compressed transfer syntaxes whose frames the pixel workers decode (dcmjs-codecs). */
import { TransferSyntax } from '../dicom/transferSyntax';

const DECODABLE: ReadonlySet<string> = new Set([
  TransferSyntax.JPEGBaseline8Bit,
  TransferSyntax.JPEGExtended12Bit,
  TransferSyntax.JPEGLossless,
  TransferSyntax.JPEGLosslessSV1,
  TransferSyntax.JPEGLSLossless,
  TransferSyntax.JPEGLSNearLossless,
  TransferSyntax.JPEG2000Lossless,
  TransferSyntax.JPEG2000,
  TransferSyntax.HTJ2KLossless,
  TransferSyntax.HTJ2KLosslessRPCL,
  TransferSyntax.HTJ2K,
  TransferSyntax.RLELossless,
]);

export function isDecodableSyntax(uid: string): boolean {
  return DECODABLE.has(uid);
}
