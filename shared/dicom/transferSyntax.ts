/**
 * Transfer syntax UIDs (PS3.6 Annex A) and the encoding rules the parser needs from each.
 */
export const TransferSyntax = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  EncapsulatedUncompressedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.98',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  JPEGBaseline8Bit: '1.2.840.10008.1.2.4.50',
  JPEGExtended12Bit: '1.2.840.10008.1.2.4.51',
  JPEGLossless: '1.2.840.10008.1.2.4.57',
  JPEGLosslessSV1: '1.2.840.10008.1.2.4.70',
  JPEGLSLossless: '1.2.840.10008.1.2.4.80',
  JPEGLSNearLossless: '1.2.840.10008.1.2.4.81',
  JPEG2000Lossless: '1.2.840.10008.1.2.4.90',
  JPEG2000: '1.2.840.10008.1.2.4.91',
  JPEG2000MCLossless: '1.2.840.10008.1.2.4.92',
  JPEG2000MC: '1.2.840.10008.1.2.4.93',
  JPIPReferenced: '1.2.840.10008.1.2.4.94',
  JPIPReferencedDeflate: '1.2.840.10008.1.2.4.95',
  MPEG2MPML: '1.2.840.10008.1.2.4.100',
  MPEG2MPMLF: '1.2.840.10008.1.2.4.100.1',
  MPEG2MPHL: '1.2.840.10008.1.2.4.101',
  MPEG2MPHLF: '1.2.840.10008.1.2.4.101.1',
  MPEG4HP41: '1.2.840.10008.1.2.4.102',
  MPEG4HP41F: '1.2.840.10008.1.2.4.102.1',
  MPEG4HP41BD: '1.2.840.10008.1.2.4.103',
  MPEG4HP41BDF: '1.2.840.10008.1.2.4.103.1',
  MPEG4HP422D: '1.2.840.10008.1.2.4.104',
  MPEG4HP422DF: '1.2.840.10008.1.2.4.104.1',
  MPEG4HP423D: '1.2.840.10008.1.2.4.105',
  MPEG4HP423DF: '1.2.840.10008.1.2.4.105.1',
  MPEG4HP42STEREO: '1.2.840.10008.1.2.4.106',
  MPEG4HP42STEREOF: '1.2.840.10008.1.2.4.106.1',
  HEVCMP51: '1.2.840.10008.1.2.4.107',
  HEVCM10P51: '1.2.840.10008.1.2.4.108',
  HTJ2KLossless: '1.2.840.10008.1.2.4.201',
  HTJ2KLosslessRPCL: '1.2.840.10008.1.2.4.202',
  HTJ2K: '1.2.840.10008.1.2.4.203',
  RLELossless: '1.2.840.10008.1.2.5',
} as const;

export type TransferSyntaxName = keyof typeof TransferSyntax;

export interface TransferSyntaxInfo {
  readonly uid: string;
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
  /** Pixel Data is a sequence of fragments (undefined length) rather than one native value. */
  readonly encapsulated: boolean;
  /** Everything after the File Meta Information is a raw deflate stream. */
  readonly deflated: boolean;
  readonly known: boolean;
}

/** The non-encapsulated syntaxes, each with its own rules; every other known UID is encapsulated explicit LE. */
const NATIVE: Readonly<Record<string, Omit<TransferSyntaxInfo, 'uid' | 'known'>>> = {
  [TransferSyntax.ImplicitVRLittleEndian]: {
    explicitVr: false,
    littleEndian: true,
    encapsulated: false,
    deflated: false,
  },
  [TransferSyntax.ExplicitVRLittleEndian]: {
    explicitVr: true,
    littleEndian: true,
    encapsulated: false,
    deflated: false,
  },
  [TransferSyntax.DeflatedExplicitVRLittleEndian]: {
    explicitVr: true,
    littleEndian: true,
    encapsulated: false,
    deflated: true,
  },
  [TransferSyntax.ExplicitVRBigEndian]: { explicitVr: true, littleEndian: false, encapsulated: false, deflated: false },
  // JPIP-referenced syntaxes carry a URL instead of pixel data, so nothing is encapsulated.
  [TransferSyntax.JPIPReferenced]: { explicitVr: true, littleEndian: true, encapsulated: false, deflated: false },
  [TransferSyntax.JPIPReferencedDeflate]: {
    explicitVr: true,
    littleEndian: true,
    encapsulated: false,
    deflated: true,
  },
};

const KNOWN = new Set<string>(Object.values(TransferSyntax));

/**
 * How a dataset in `uid` is encoded. An unknown UID is read as explicit VR little endian with
 * encapsulated pixel data: PS3.5 section 10 requires every new compressed syntax to use that form.
 */
export function describeTransferSyntax(uid: string): TransferSyntaxInfo {
  const native = NATIVE[uid];
  if (native) return { uid, ...native, known: true };
  return { uid, explicitVr: true, littleEndian: true, encapsulated: true, deflated: false, known: KNOWN.has(uid) };
}

/** Syntaxes whose frames are JPEG or JPEG-LS codestreams (each starts with an SOI marker, FFD8). */
export const JPEG_FAMILY: ReadonlySet<string> = new Set<string>([
  TransferSyntax.JPEGBaseline8Bit,
  TransferSyntax.JPEGExtended12Bit,
  TransferSyntax.JPEGLossless,
  TransferSyntax.JPEGLosslessSV1,
  TransferSyntax.JPEGLSLossless,
  TransferSyntax.JPEGLSNearLossless,
]);

/** Syntaxes whose frames are JPEG 2000 codestreams (each starts with an SOC marker, FF4F). */
export const JPEG2000_FAMILY: ReadonlySet<string> = new Set<string>([
  TransferSyntax.JPEG2000Lossless,
  TransferSyntax.JPEG2000,
  TransferSyntax.JPEG2000MCLossless,
  TransferSyntax.JPEG2000MC,
  TransferSyntax.HTJ2KLossless,
  TransferSyntax.HTJ2KLosslessRPCL,
  TransferSyntax.HTJ2K,
]);

/**
 * The two bytes every frame of this syntax begins with, as a 16-bit big-endian number, or
 * undefined when frames have no recognisable start (RLE, video, unknown syntaxes).
 */
export function frameStartMarker(uid: string): number | undefined {
  if (JPEG_FAMILY.has(uid)) return 0xffd8;
  if (JPEG2000_FAMILY.has(uid)) return 0xff4f;
  return undefined;
}
