import { randomUUID } from 'node:crypto';

/** Stored ids: the 32 lower-case hex digits of a GUID ("N" form), as the Azure service writes them. */
const STORED = /^[0-9a-f]{32}$/;
/** What .NET's Guid binding accepts in a route: the N, D, B and P forms, any case. */
const ROUTE_FORMS = [
  /^([0-9a-f]{32})$/i,
  /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i,
  /^\{([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}$/i,
  /^\(([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\)$/i,
];

export function newOperationId(): string {
  return randomUUID().replace(/-/g, '');
}

export function isOperationId(value: string): boolean {
  return STORED.test(value);
}

/** The stored form of a route's operation id, or undefined when it is no GUID (answered 404). */
export function operationIdFromRoute(value: string | undefined): string | undefined {
  if (value === undefined || value.length > 38) return undefined;
  for (const form of ROUTE_FORMS) {
    const match = form.exec(value);
    if (match) return match.slice(1).join('').toLowerCase();
  }
  return undefined;
}
