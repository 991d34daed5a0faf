/** What to do with one stored file for a requested transfer syntax. */
import { NotAcceptableError } from '../errors';
import { TransferSyntax } from '../dicom/transferSyntax';
import { isTranscodableToExplicitLittleEndian } from './explicitLittleEndianTranscoder';
import { ORIGINAL_SYNTAX } from './instanceNegotiation';
import { isDecodableSyntax } from '../pixels/decodableSyntaxes';

export type SyntaxPlan =
  | { readonly kind: 'original'; readonly transferSyntax: string }
  | { readonly kind: 'transcode'; readonly from: string; readonly transferSyntax: string }
  /** Pixels decoded (and for JPEG 2000 re-encoded) on a pixel worker, the whole file at once. */
  | { readonly kind: 'pixels'; readonly from: string; readonly transferSyntax: string };

/**
 * Original bytes when the client takes any syntax or the stored one; Implicit VR LE and Explicit
 * VR BE are rewritten to Explicit VR LE on the fly, Deflated Explicit VR LE is inflated, and
 * compressed pixels are decoded on a pixel worker (the whole file at once, as Azure does). JPEG
 * 2000 lossless, the one compressed syntax Azure offers, is encoded from native or decodable
 * files. Any other conversion: 406 before any byte is sent.
 */
export function planSyntax(stored: string, requested: string): SyntaxPlan {
  if (requested === ORIGINAL_SYNTAX || requested === stored) return { kind: 'original', transferSyntax: stored };
  const convertible =
    isTranscodableToExplicitLittleEndian(stored) || stored === TransferSyntax.DeflatedExplicitVRLittleEndian;
  if (requested === TransferSyntax.ExplicitVRLittleEndian && convertible) {
    return { kind: 'transcode', from: stored, transferSyntax: requested };
  }
  if (requested === TransferSyntax.ExplicitVRLittleEndian && isDecodableSyntax(stored)) {
    return { kind: 'pixels', from: stored, transferSyntax: requested };
  }
  if (requested === TransferSyntax.JPEG2000Lossless && isJpeg2000LosslessSource(stored)) {
    return { kind: 'pixels', from: stored, transferSyntax: requested };
  }
  throw new NotAcceptableError(
    `An instance is stored in transfer syntax ${stored} and cannot be converted to ${requested}; ` +
      'ask for transfer-syntax=* to receive it as stored.',
  );
}

/** Whether a pixel worker can encode this stored syntax's pixels as JPEG 2000 lossless: native or decodable ones. */
export function isJpeg2000LosslessSource(stored: string): boolean {
  const native = isTranscodableToExplicitLittleEndian(stored) || stored === TransferSyntax.ExplicitVRLittleEndian;
  return native || isDecodableSyntax(stored);
}
