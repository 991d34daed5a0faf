/**
 * Reading fields of a JSON request body the way the Azure DICOM service's JSON options do:
 * property names match case-insensitively, and a wrong shape is a 400 naming the field.
 */
import { BadRequestError } from '../errors';

export type JsonObject = Record<string, unknown>;

export function jsonObject(value: unknown, name: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError(`The field '${name}' in request body is invalid: it must be an object.`);
  }
  return value as JsonObject;
}

/** The value of `name`, whatever its case in the body. */
export function jsonField(fields: JsonObject, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(fields).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : fields[key];
}

/** 400 for a property that is not one of `known` (case-insensitive). */
export function rejectUnknownFields(fields: JsonObject, known: readonly string[], path: string): void {
  const lower = new Set(known.map((name) => name.toLowerCase()));
  for (const key of Object.keys(fields)) {
    if (!lower.has(key.toLowerCase())) throw new BadRequestError(`The field '${path}${key}' is not supported.`);
  }
}

/** A string field; absent, null or blank is undefined. */
export function optionalJsonString(fields: JsonObject, name: string, path: string): string | undefined {
  const value = jsonField(fields, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadRequestError(`The field '${path}${name}' must be a string.`);
  return value.trim() === '' ? undefined : value;
}
