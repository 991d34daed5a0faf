/**
 * Which representation of instances the client asked for (PS3.18 8.7.3, conformance statement
 * "Retrieve instances within Study or Series" and "Retrieve an Instance").
 */
import { NotAcceptableError } from '../errors';
import { parseAccept } from '../http/negotiation';
import { TransferSyntax } from '../dicom/transferSyntax';

/** `*` asks for each file as stored. */
export const ORIGINAL_SYNTAX = '*';

export interface InstanceRepresentation {
  /** multipart/related; type="application/dicom" (else a single application/dicom body). */
  readonly multipart: boolean;
  /** A transfer syntax UID, or ORIGINAL_SYNTAX. */
  readonly transferSyntax: string;
}

const DICOM = 'application/dicom';

/**
 * The client's most preferred representation we can produce. A single application/dicom body is
 * only offered for one instance; without a transfer-syntax parameter the default is Explicit VR
 * Little Endian, except for a match-all range, which means the files as stored.
 */
export function negotiateInstances(accept: string | null, singleInstance: boolean): InstanceRepresentation {
  for (const { mediaType, q } of parseAccept(accept)) {
    if (q <= 0) continue;
    const requested = mediaType.params.get('transfer-syntax');
    if (mediaType.essence === '*/*') return { multipart: !singleInstance, transferSyntax: ORIGINAL_SYNTAX };
    const transferSyntax = requested ?? TransferSyntax.ExplicitVRLittleEndian;
    if (mediaType.essence === 'multipart/related' || mediaType.essence === 'multipart/*') {
      const type = mediaType.params.get('type')?.toLowerCase();
      if (type === undefined || type === DICOM) return { multipart: true, transferSyntax };
      continue;
    }
    if (singleInstance && (mediaType.essence === DICOM || mediaType.essence === 'application/*')) {
      return { multipart: false, transferSyntax };
    }
  }
  throw new NotAcceptableError(
    singleInstance
      ? 'The request headers are not acceptable: Accept must allow application/dicom or multipart/related; type="application/dicom".'
      : 'The request headers are not acceptable: Accept must allow multipart/related; type="application/dicom".',
  );
}
