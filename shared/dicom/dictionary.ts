/**
 * The public DICOM data dictionary: a tag's VR (needed to read Implicit VR datasets) and keyword
 * (needed to accept keywords in QIDO queries). Built once, at first use, from the generated table.
 */
import { DICTIONARY_DATA } from './dictionaryData';

export interface DictionaryEntry {
  readonly vr: string;
  readonly keyword: string;
}

interface Dictionary {
  readonly byTag: Map<string, DictionaryEntry>;
  readonly byKeyword: Map<string, string>;
}

let dictionary: Dictionary | undefined;

function load(): Dictionary {
  const byTag = new Map<string, DictionaryEntry>();
  const byKeyword = new Map<string, string>();
  for (const line of DICTIONARY_DATA.split('\n')) {
    if (line === '') continue;
    const [key = '', vr = '', keyword = ''] = line.split(' ');
    byTag.set(key, { vr, keyword });
    // Repeating groups answer to their first group (OverlayData → 60003000).
    if (keyword !== '') byKeyword.set(keyword, key.replace('xx', '00'));
  }
  return { byTag, byKeyword };
}

/**
 * The dictionary entry for a tag (eight hex digits, either case), including the repeating
 * overlay/curve groups (60xx, 50xx, 7Fxx) and element ranges. Undefined for private and unknown tags.
 */
export function lookupTag(tag: string): DictionaryEntry | undefined {
  dictionary ??= load();
  const key = tag.toUpperCase();
  const exact = dictionary.byTag.get(key);
  if (exact) return exact;
  // Repeating groups only cover even (public) groups.
  const groupLow = parseInt(key.slice(2, 4), 16);
  if (groupLow % 2 === 0) {
    const repeatingGroup = dictionary.byTag.get(`${key.slice(0, 2)}xx${key.slice(4)}`);
    if (repeatingGroup) return repeatingGroup;
  }
  return dictionary.byTag.get(`${key.slice(0, 6)}xx`);
}

/** The tag (eight uppercase hex digits) of a public keyword, e.g. `PatientName` → `00100010`. */
export function tagForKeyword(keyword: string): string | undefined {
  dictionary ??= load();
  return dictionary.byKeyword.get(keyword);
}
