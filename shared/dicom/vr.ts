/** Value Representation facts from PS3.5 6.2 and 7.1 that the parser and validators share. */

const set = (vrs: string): ReadonlySet<string> => new Set(vrs.split(' '));

/** Every VR of PS3.5 table 6.2-1. Anything else in an explicit VR header is read as UN. */
export const KNOWN_VRS = set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV',
);

/**
 * Binary VRs whose values are bulk data: skipped without buffering and left out of DICOM JSON
 * metadata, as the Azure DICOM service does.
 */
export const BULK_VRS = set('OB OD OF OL OV OW UN');

/** In explicit VR, these have two reserved bytes and a 32-bit length (PS3.5 7.1.2). */
export const LONG_LENGTH_VRS = set('OB OD OF OL OV OW SQ SV UC UN UR UT UV');

/** Text VRs whose characters follow Specific Character Set; the rest are default repertoire. */
export const CHARSET_VRS = set('SH LO ST LT UC UT PN');

/** Text VRs that hold exactly one value: a backslash in them is an ordinary character. */
export const SINGLE_VALUE_VRS = set('ST LT UT UR');

/** Bytes per value of the binary numeric VRs (AT is a pair of 16-bit numbers). */
export const NUMERIC_VR_SIZE: Readonly<Record<string, number>> = {
  AT: 4,
  FD: 8,
  FL: 4,
  SL: 4,
  SS: 2,
  SV: 8,
  UL: 4,
  US: 2,
  UV: 8,
};
