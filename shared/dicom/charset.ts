/**
 * Text decoding under Specific Character Set (0008,0005), PS3.3 C.12.1.1.2 and PS3.5 6.1.
 * Only SH, LO, ST, LT, UC, UT and PN values use it; every other string VR is plain ASCII.
 */
export type TextDecode = (bytes: Buffer) => string;

export interface Charset {
  readonly decode: TextDecode;
  /** Defined terms this decoder did not recognise (their text falls back to Latin-1). */
  readonly unknownTerms: readonly string[];
}

/** Latin-1 is a lossless superset of the default repertoire: stray 8-bit bytes survive as themselves. */
const latin1: TextDecode = (bytes) => bytes.toString('latin1');
const utf8: TextDecode = (bytes) => bytes.toString('utf8');

const decoders = new Map<string, TextDecoder>();
function whatwg(label: string): TextDecode {
  let decoder = decoders.get(label);
  if (!decoder) {
    decoder = new TextDecoder(label);
    decoders.set(label, decoder);
  }
  const d = decoder;
  return (bytes) => d.decode(bytes);
}

/**
 * Defined term → decoder for a value written entirely in that set; ISO 2022 forms share entries.
 * For the single-byte sets the WHATWG labels differ from the ISO tables only in the C1 controls.
 */
const TERMS: Readonly<Record<string, TextDecode>> = {
  '': latin1,
  ISO_IR_6: latin1,
  ISO_IR_100: latin1,
  ISO_IR_101: whatwg('iso-8859-2'),
  ISO_IR_109: whatwg('iso-8859-3'),
  ISO_IR_110: whatwg('iso-8859-4'),
  ISO_IR_144: whatwg('iso-8859-5'),
  ISO_IR_127: whatwg('iso-8859-6'),
  ISO_IR_126: whatwg('iso-8859-7'),
  ISO_IR_138: whatwg('iso-8859-8'),
  ISO_IR_148: whatwg('iso-8859-9'),
  ISO_IR_203: whatwg('iso-8859-15'),
  ISO_IR_166: whatwg('windows-874'),
  // JIS X 0201: romaji in G0, half-width katakana as single high bytes, which Shift_JIS decodes.
  ISO_IR_13: whatwg('shift_jis'),
  // Multi-byte Japanese sets are only reachable through escape sequences: text starts in ASCII.
  ISO_IR_87: latin1,
  ISO_IR_159: latin1,
  ISO_IR_149: whatwg('euc-kr'),
  ISO_IR_58: whatwg('gbk'),
  ISO_IR_192: utf8,
  GB18030: whatwg('gb18030'),
  GBK: whatwg('gbk'),
};

/** `ISO 2022 IR 100` and `ISO_IR 100` name the same set (with and without code extensions). */
function normalise(term: string): string {
  return term
    .trim()
    .toUpperCase()
    .replace(/^ISO[ _]2022[ _]IR[ _]/, 'ISO_IR_')
    .replace(/^ISO_IR[ _]/, 'ISO_IR_');
}

/** The decoder for a dataset whose Specific Character Set has these values (absent: default repertoire). */
export function resolveCharset(terms: readonly (string | null)[] | undefined): Charset {
  const raw = (terms ?? []).map((t) => (t ?? '').trim());
  const normalised = raw.map(normalise);
  const unknownTerms = raw.filter((_, i) => !Object.hasOwn(TERMS, normalised[i] ?? ''));
  const firstTerm = normalised[0] ?? '';
  const first = Object.hasOwn(TERMS, firstTerm) ? (TERMS[firstTerm] ?? latin1) : latin1;
  const codeExtensions = raw.length > 1 || raw.some((t) => t.toUpperCase().startsWith('ISO 2022'));
  if (!codeExtensions) return { decode: first, unknownTerms };
  // Code extensions: a value starts in the first set and escape sequences switch sets.
  return { decode: (bytes) => (bytes.includes(ESC) ? decodeIso2022(bytes, first) : first(bytes)), unknownTerms };
}

export const defaultCharset: Charset = { decode: latin1, unknownTerms: [] };

const ESC = 0x1b;

/**
 * Escape sequences (the bytes after ESC) of PS3.3 table C.12-4/C.12-5, and how to decode the text
 * that follows each one until the next escape.
 */
const ESCAPES: ReadonlyArray<readonly [string, TextDecode]> = [
  ['(B', latin1], // ASCII
  ['(J', whatwg('shift_jis')], // JIS X 0201 romaji
  [')I', whatwg('shift_jis')], // JIS X 0201 katakana
  ['$B', jisX0208],
  ['$(D', jisX0212],
  ['$)C', whatwg('euc-kr')], // KS X 1001 in G1: the bytes already have EUC-KR form
  ['$)A', whatwg('gbk')], // GB 2312 in G1: EUC-CN form
  ['-A', latin1],
  ['-B', whatwg('iso-8859-2')],
  ['-C', whatwg('iso-8859-3')],
  ['-D', whatwg('iso-8859-4')],
  ['-L', whatwg('iso-8859-5')],
  ['-G', whatwg('iso-8859-6')],
  ['-F', whatwg('iso-8859-7')],
  ['-H', whatwg('iso-8859-8')],
  ['-M', whatwg('iso-8859-9')],
  ['-b', whatwg('iso-8859-15')],
  ['-T', whatwg('windows-874')],
];

/** Splits a value at its escape sequences and decodes each run with the set it designates. */
function decodeIso2022(bytes: Buffer, initial: TextDecode): string {
  let out = '';
  let decode = initial;
  let runStart = 0;
  let i = bytes.indexOf(ESC);
  while (i !== -1) {
    const match = ESCAPES.find(([seq]) => bytes.toString('latin1', i + 1, i + 1 + seq.length) === seq);
    if (match) {
      out += decode(bytes.subarray(runStart, i));
      decode = match[1];
      runStart = i + 1 + match[0].length;
    }
    i = bytes.indexOf(ESC, i + 1);
  }
  return out + decode(bytes.subarray(runStart));
}

/** JIS X 0208 runs are 7-bit byte pairs; with the high bits set they are EUC-JP, which TextDecoder reads. */
function jisX0208(bytes: Buffer): string {
  const euc = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) euc[i] = (bytes[i] ?? 0) | 0x80;
  return whatwg('euc-jp')(euc);
}

/** JIS X 0212 pairs are EUC-JP's three-byte form: 0x8F then the pair with high bits set. */
function jisX0212(bytes: Buffer): string {
  const pairs = bytes.length >> 1;
  const euc = Buffer.allocUnsafe(pairs * 3);
  for (let p = 0; p < pairs; p += 1) {
    euc[p * 3] = 0x8f;
    euc[p * 3 + 1] = (bytes[p * 2] ?? 0) | 0x80;
    euc[p * 3 + 2] = (bytes[p * 2 + 1] ?? 0) | 0x80;
  }
  return whatwg('euc-jp')(euc);
}
