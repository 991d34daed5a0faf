/**
 * The body of `POST /v{n}/export` (Azure's ExportSpecification): a source of identifiers and an
 * Azure Blob destination. Enum values and property names match case-insensitively, as Azure's do.
 */
import { BadRequestError } from '../errors';
import { jsonField, jsonObject, rejectUnknownFields, type JsonObject } from '../http/jsonFields';
import { parseDicomIdentifier, type DicomIdentifier } from './dicomIdentifier';
import { parseBlobDestination, type BlobExportDestination, type ExportDestinationPolicy } from './exportDestination';

/** Identifiers one export may name; Azure states none, this keeps a specification to about 1.3 MB. */
export const MAX_EXPORT_IDENTIFIERS = 10_000;
/** The request body limit, enough for MAX_EXPORT_IDENTIFIERS of the longest form. */
export const MAX_EXPORT_BODY_BYTES = 2 * 1024 * 1024;

export interface ExportSpecification {
  readonly identifiers: readonly DicomIdentifier[];
  readonly destination: BlobExportDestination;
}

export function parseExportSpecification(body: unknown, policy: ExportDestinationPolicy): ExportSpecification {
  const root = jsonObject(body, '(body)');
  rejectUnknownFields(root, ['source', 'destination'], '');
  const source = typed(required(root, 'source'), 'source', 'identifiers');
  const destination = typed(required(root, 'destination'), 'destination', 'azureBlob');
  return {
    identifiers: parseIdentifiers(source.settings),
    destination: parseBlobDestination(destination.settings, policy),
  };
}

function required(root: JsonObject, name: string): JsonObject {
  const value = jsonField(root, name);
  if (value === undefined || value === null) {
    throw new BadRequestError(`The field '${name}' in request body is invalid: The ${name} field is required.`);
  }
  return jsonObject(value, name);
}

/** `{type, settings}` with `type` equal to `expected` whatever its case (Azure answers 500 for others). */
function typed(part: JsonObject, name: string, expected: string): { settings: unknown } {
  rejectUnknownFields(part, ['type', 'settings'], `${name}.`);
  const type = jsonField(part, 'type');
  if (typeof type !== 'string' || type.toLowerCase() !== expected.toLowerCase()) {
    throw new BadRequestError(`The field '${name}.type' in request body is invalid: it must be '${expected}'.`);
  }
  return { settings: jsonField(part, 'settings') };
}

function parseIdentifiers(settings: unknown): DicomIdentifier[] {
  const fields = jsonObject(settings ?? {}, 'source.settings');
  rejectUnknownFields(fields, ['values'], 'source.settings.');
  const values = jsonField(fields, 'values');
  if (values === undefined || values === null || (Array.isArray(values) && values.length === 0)) {
    throw new BadRequestError("Missing value for property 'Values'.");
  }
  if (!Array.isArray(values)) {
    throw new BadRequestError("The field 'source.settings.values' in request body is invalid: it must be an array.");
  }
  if (values.length > MAX_EXPORT_IDENTIFIERS) {
    throw new BadRequestError(
      `An export may name at most ${MAX_EXPORT_IDENTIFIERS} identifiers; split it into several.`,
    );
  }
  return values.map(parseDicomIdentifier);
}
