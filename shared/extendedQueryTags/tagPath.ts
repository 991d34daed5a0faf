/** Tag paths of the EQT API: a DICOM keyword or eight hex digits, normalized to uppercase hex. */
import { tagForKeyword } from '../dicom/dictionary';
import { BadRequestError } from '../errors';

const HEX_PATH = /^[0-9A-Fa-f]{8}$/;
/** Echoed paths are cut: a client cannot make us repeat megabytes. */
const MAX_ECHOED = 100;

/** Eight uppercase hex digits, or undefined when `text` is neither a path nor a known keyword. */
export function parseTagPath(text: string): string | undefined {
  if (HEX_PATH.test(text)) return text.toUpperCase();
  return tagForKeyword(text);
}

export function echoed(text: string): string {
  return text.length > MAX_ECHOED ? `${text.slice(0, MAX_ECHOED)}…` : text;
}

/** Azure's answer for a path it cannot read ([CR:268]). */
export function invalidTagPath(text: string): BadRequestError {
  return new BadRequestError(
    `The extended query tag '${echoed(text)}' is invalid as it cannot be parsed into a valid Dicom Tag.`,
  );
}

/** The path of a route parameter, or Azure's 400. */
export function requireTagPath(text: string): string {
  const path = parseTagPath(text);
  if (path === undefined) throw invalidTagPath(text);
  return path;
}

export function isPrivateTag(path: string): boolean {
  return parseInt(path.slice(0, 4), 16) % 2 === 1;
}

/** A private creator element (gggg,0010-00FF), which identifies a private block. */
export function isPrivateCreatorTag(path: string): boolean {
  const element = parseInt(path.slice(4), 16);
  return isPrivateTag(path) && element >= 0x10 && element <= 0xff;
}

/** The creator element of a private data element (gggg,xxyy → gggg,00xx). */
export function privateCreatorTagOf(path: string): string {
  return `${path.slice(0, 4)}00${path.slice(4, 6)}`;
}
