/**
 * DT values (PS3.5 6.2) as fixed-width keys, so that ranges of ScheduledProcedureStepStartDateTime
 * are PartitionKey ranges. Offsets from UTC are not applied: values compare as written.
 */

/** YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX] */
const DT = /^(\d{4})((?:\d{2}){0,5})(?:\.\d{1,6})?(?:[+-]\d{4})?$/;
const KEY_DIGITS = 14;

export function isDateTime(value: string): boolean {
  const m = DT.exec(value.trim());
  // Fractions only after full seconds.
  return m !== null && (!value.includes('.') || (m[2] ?? '').length === 10);
}

/**
 * The value's YYYYMMDDHHMMSS, its missing components filled with `fill`: `0` for a stored value
 * or a range's start, `9` for a range's end (so `-20261208` takes in the whole day).
 */
export function dateTimeKey(value: string, fill: '0' | '9'): string | undefined {
  const m = DT.exec(value.trim());
  if (!m) return undefined;
  return `${m[1] ?? ''}${m[2] ?? ''}`.padEnd(KEY_DIGITS, fill);
}
