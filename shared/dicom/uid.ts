/**
 * UID rules, from strictest to most tolerant. Every UID that becomes part of a storage key or a
 * header passes one of them first (issue 13: `.` and `..` once resolved into other blob paths,
 * and a stored Transfer Syntax UID with CR/LF reached Content-Type).
 */

/** The longest UID (PS3.5 9.1). */
export const MAX_UID_LENGTH = 64;

/**
 * PS3.5 9.1 exactly: components of digits separated by single dots, no leading zero in a
 * component of more than one digit, at most 64 characters. For UIDs written into headers
 * (the Transfer Syntax UID) and checked against registries.
 */
export function isUidGrammar(value: string): boolean {
  return value.length <= MAX_UID_LENGTH && /^(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*$/.test(value);
}

/**
 * What this service accepts for a new instance's identifying UIDs, as the conformance statement's
 * lenient rule does (letters, digits, '.' and '-', real modalities send them), but without empty
 * components: no leading, trailing or doubled dots, so never `.` or `..`.
 */
export function isValidUid(value: string): boolean {
  return value.length <= MAX_UID_LENGTH && /^[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*$/.test(value);
}

/**
 * What a request may name in a path or query: the tolerant character set an earlier version
 * stored under (so those instances stay retrievable and deletable), minus the two values that
 * are path segments of their own (`.` and `..`), which URL normalisation would resolve elsewhere.
 */
export function isAddressableUid(value: string): boolean {
  return /^[0-9A-Za-z.-]{1,64}$/.test(value) && value !== '.' && value !== '..';
}
