/** Which representation of frames the client asked for (conformance statement, "Retrieve Frames"). */
import { NotAcceptableError } from '../errors';
import { parseAccept } from '../http/negotiation';
import { TransferSyntax } from '../dicom/transferSyntax';
import { ORIGINAL_SYNTAX } from './instanceNegotiation';

const OCTET_STREAM = 'application/octet-stream';
const JP2 = 'image/jp2';

export interface FrameRepresentation {
  /** multipart/related (else one body, of one frame). */
  readonly multipart: boolean;
  /** A transfer syntax UID, or ORIGINAL_SYNTAX. */
  readonly transferSyntax: string;
  /** application/octet-stream, or image/jp2 (JPEG 2000 lossless frames, multipart only, as on Azure). */
  readonly mediaType: string;
}

/**
 * The preferred acceptable range, as viewers send them: quoted or unquoted `type`, several ranges
 * with weights, star/star (frames as stored). A single application/octet-stream body only serves one frame.
 */
export function negotiateFrames(accept: string | null, frameCount: number): FrameRepresentation {
  for (const { mediaType, q } of parseAccept(accept)) {
    if (q <= 0) continue;
    if (mediaType.essence === '*/*') {
      return { multipart: true, transferSyntax: ORIGINAL_SYNTAX, mediaType: OCTET_STREAM };
    }
    const requested = mediaType.params.get('transfer-syntax');
    const transferSyntax = requested ?? TransferSyntax.ExplicitVRLittleEndian;
    if (mediaType.essence === 'multipart/related' || mediaType.essence === 'multipart/*') {
      const type = mediaType.params.get('type')?.toLowerCase();
      if (type === undefined || type === OCTET_STREAM)
        return { multipart: true, transferSyntax, mediaType: OCTET_STREAM };
      const jp2Syntax = requested ?? TransferSyntax.JPEG2000Lossless;
      if (type === JP2 && jp2Syntax === TransferSyntax.JPEG2000Lossless) {
        return { multipart: true, transferSyntax: jp2Syntax, mediaType: JP2 };
      }
      continue;
    }
    if (frameCount === 1 && (mediaType.essence === OCTET_STREAM || mediaType.essence === 'application/*')) {
      return { multipart: false, transferSyntax, mediaType: OCTET_STREAM };
    }
  }
  throw new NotAcceptableError(
    'The request headers are not acceptable: Accept must allow multipart/related; type="application/octet-stream" (or application/octet-stream for one frame, ' +
      'or multipart/related; type="image/jp2" for JPEG 2000 lossless frames).',
  );
}
