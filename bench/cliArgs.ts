/** The benchmarks' numeric flags, checked: a bad value stops the run with a message naming the flag. */

export function numberAtLeast(name: string, text: string, min: number): number {
  const value = Number(text.trim().replace(/_/g, ''));
  if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number >= ${min}, not "${text}"`);
  return value;
}

/** A comma-separated list of whole numbers (`1000,100_000`); empty items are skipped. */
export function integersAtLeast(name: string, text: string, min: number): number[] {
  const values = text
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => Math.floor(numberAtLeast(name, part, min)));
  if (values.length === 0) throw new Error(`--${name} wants numbers >= ${min} separated by commas, not "${text}"`);
  return values;
}
