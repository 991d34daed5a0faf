/**
 * Six-field NCRONTAB schedules (`second minute hour day month day-of-week`), as the host's timer
 * trigger reads them: `*`, numbers, `a-b` ranges, `,` lists and `/step`. Names of months and days
 * are not supported (nothing here uses them). Times are UTC, the host's default (WEBSITE_TIME_ZONE unset).
 */
export interface Schedule {
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

const FIELDS: readonly { readonly min: number; readonly max: number }[] = [
  { min: 0, max: 59 }, // second
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12 }, // month
  { min: 0, max: 6 }, // day of week, Sunday 0
];

/** A year of seconds is the most a valid schedule can be from its next occurrence (and then some). */
const MAX_SEARCH_MINUTES = 366 * 24 * 60 * 5;

export function parseSchedule(expression: string): Schedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) throw new Error(`"${expression}" is not a six-field NCRONTAB expression.`);
  const sets = parts.map((part, i) => parseField(part, FIELDS[i] as { min: number; max: number }, expression));
  const [seconds, minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  const firstSecond = Math.min(...seconds);
  return {
    next(after) {
      const start = new Date(after.getTime() + 1000 - (after.getTime() % 1000));
      // Within the current minute first, then minute by minute.
      const minute = new Date(start);
      minute.setUTCSeconds(0, 0);
      for (let i = 0; i < MAX_SEARCH_MINUTES; i++) {
        if (
          months.has(minute.getUTCMonth() + 1) &&
          days.has(minute.getUTCDate()) &&
          weekdays.has(minute.getUTCDay()) &&
          hours.has(minute.getUTCHours()) &&
          minutes.has(minute.getUTCMinutes())
        ) {
          const fromSecond = i === 0 ? start.getUTCSeconds() : firstSecond;
          for (let s = fromSecond; s < 60; s++) {
            if (seconds.has(s)) return new Date(minute.getTime() + s * 1000);
          }
        }
        minute.setTime(minute.getTime() + 60_000);
      }
      throw new Error(`"${expression}" never occurs.`);
    },
  };
}

function parseField(field: string, range: { min: number; max: number }, expression: string): Set<number> {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const [span = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let from = range.min;
    let to = range.max;
    if (span !== '*') {
      const [a, b] = span.split('-');
      from = Number(a);
      to = b === undefined ? (stepText === undefined ? from : range.max) : Number(b);
    }
    if (![from, to, step].every(Number.isInteger) || step < 1 || from < range.min || to > range.max || from > to) {
      throw new Error(`"${expression}": "${field}" is not a valid field.`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}
