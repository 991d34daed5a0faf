/**
 * POST /extendedquerytags body checks, in the Azure DICOM service's order and words
 * (../shared/azure-api-reference.md §3; AddExtendedQueryTagEntry, ExtendedQueryTagEntryValidator).
 * Model checks (shape, path and level present, level known) come first; the per-entry checks run
 * after the caller has looked for an active reindex (409 before 400, as Azure).
 */
import { lookupTag } from '../dicom/dictionary';
import { KNOWN_VRS } from '../dicom/vr';
import { BadRequestError } from '../errors';
import { searchableAttribute, type Level } from '../search/searchableAttributes';
import { isSupportedVr, MAX_EXTENDED_QUERY_TAGS, MAX_TAGS_PER_REQUEST, type SupportedVr } from './tagModel';
import { echoed, invalidTagPath, isPrivateCreatorTag, isPrivateTag, parseTagPath } from './tagPath';

/** An entry as the client wrote it, after the model checks. */
export interface RequestedTag {
  readonly path: string;
  readonly vr?: string;
  readonly privateCreator?: string;
  readonly level: Level;
}

/** An entry after every check, normalized (8-hex path, dictionary VR, no empty creator). */
export interface NewTag {
  readonly path: string;
  readonly vr: SupportedVr;
  readonly privateCreator?: string;
  readonly level: Level;
}

const LEVELS: Readonly<Record<string, Level>> = { study: 'study', series: 'series', instance: 'instance' };
/** LO: at most 64 characters, no backslash or control characters but ESC. */
// eslint-disable-next-line no-control-regex
const VALID_LO = /^[^\\\x00-\x1a\x1c-\x1f]{0,64}$/;
const SYNTAX = 'The syntax of the request body is invalid.';

function fieldError(field: string, message: string): BadRequestError {
  return new BadRequestError(`The field '${field}' in request body is invalid: ${message}`);
}

function propertyMissing(field: string, property: string): BadRequestError {
  return fieldError(
    field,
    `The Dicom Tag Property ${property} must be specified and must not be null, empty or whitespace.`,
  );
}

/** Property names match case-insensitively, as Azure's JSON options do. */
function property(entry: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : entry[key];
}

function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** Step 2 (model validation): a JSON array of objects with a path and a known level. */
export function parseAddRequest(body: unknown): RequestedTag[] {
  if (!Array.isArray(body)) throw new BadRequestError(SYNTAX);
  if (body.length > MAX_EXTENDED_QUERY_TAGS) {
    throw new BadRequestError(`Extended query tags exceeds max allowed count '${MAX_EXTENDED_QUERY_TAGS}'.`);
  }
  if (body.length > MAX_TAGS_PER_REQUEST) {
    throw new BadRequestError(
      `One request may add at most ${MAX_TAGS_PER_REQUEST} extended query tags; add the others with a second request once the first reindex has finished.`,
    );
  }
  return body.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new BadRequestError(SYNTAX);
    const entry = item as Record<string, unknown>;
    const [path, vr, privateCreator, level] = ['path', 'vr', 'privateCreator', 'level'].map((n) => property(entry, n));
    for (const value of [path, vr, privateCreator, level]) {
      if (value !== undefined && value !== null && typeof value !== 'string') throw new BadRequestError(SYNTAX);
    }
    if (blank(path)) throw propertyMissing(`[${i}].Path`, 'Path');
    if (blank(level)) throw propertyMissing(`[${i}].Level`, 'Level');
    const known = LEVELS[(level as string).toLowerCase()];
    if (known === undefined) {
      throw fieldError(
        `[${i}].Level`,
        `Input Dicom Tag Level '${echoed(level as string)}' is invalid. It must have value 'Study', 'Series' or 'Instance'.`,
      );
    }
    return {
      path: path as string,
      ...(typeof vr === 'string' ? { vr } : {}),
      ...(typeof privateCreator === 'string' ? { privateCreator } : {}),
      level: known,
    };
  });
}

/** Step 4 and 5: the per-entry checks, then normalization. */
export function validateNewTags(requested: readonly RequestedTag[]): NewTag[] {
  if (requested.length === 0) throw new BadRequestError('The extended query tag(s) is missing.');
  const seen = new Set<string>();
  return requested.map((entry) => {
    const tag = validateEntry(entry);
    if (seen.has(tag.path)) {
      throw new BadRequestError(`The extended query tag '${echoed(entry.path)}' has been specified before.`);
    }
    seen.add(tag.path);
    return tag;
  });
}

function validateEntry(entry: RequestedTag): NewTag {
  const shown = echoed(entry.path);
  const path = parseTagPath(entry.path);
  if (path === undefined) throw invalidTagPath(entry.path);
  if (searchableAttribute(path)) throw new BadRequestError(`The query tag '${shown}' is already supported.`);
  const creator = entry.privateCreator === undefined || entry.privateCreator === '' ? undefined : entry.privateCreator;
  if (!isPrivateTag(path)) {
    if (creator !== undefined)
      throw new BadRequestError(`The private creator is not empty for standard tag '${shown}'.`);
  } else if (isPrivateCreatorTag(path)) {
    if (creator !== undefined) {
      throw new BadRequestError(`The private creator is not empty for private identification code '${shown}'.`);
    }
  } else {
    if (creator === undefined) throw new BadRequestError(`The private creator for private tag '${shown}' is missing.`);
    if (!VALID_LO.test(creator))
      throw new BadRequestError(`The private creator for tag '${shown}' is not a valid LO attribute.`);
  }
  const vr = validateVr(entry, path, shown);
  return { path, vr, ...(creator !== undefined ? { privateCreator: creator } : {}), level: entry.level };
}

function validateVr(entry: RequestedTag, path: string, shown: string): SupportedVr {
  const given = entry.vr === undefined || entry.vr === '' ? undefined : entry.vr.toUpperCase();
  if (given !== undefined && !KNOWN_VRS.has(given)) {
    throw new BadRequestError(`The VR code '${echoed(entry.vr ?? '')}' for tag '${shown}' is invalid.`);
  }
  // A private creator element is always LO; a public one has its dictionary VR.
  const expected = isPrivateCreatorTag(path) ? 'LO' : isPrivateTag(path) ? undefined : lookupTag(path)?.vr;
  if (expected !== undefined && given !== undefined && !expected.split('/').includes(given)) {
    throw new BadRequestError(
      `The VR code '${given}' is incorrectly specified for '${shown}'. The expected VR code for it is '${expected}'. ` +
        'Retry this request either with the correct VR code or without specifying it.',
    );
  }
  const vr = given ?? expected;
  if (vr === undefined) throw new BadRequestError(`The vr for tag '${shown}' is missing.`);
  if (!isSupportedVr(vr))
    throw new BadRequestError(`The VR code '${vr}' specified for tag '${shown}' is not supported.`);
  return vr;
}
