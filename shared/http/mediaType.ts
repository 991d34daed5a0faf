/**
 * Media types as they appear in Content-Type and Accept (RFC 9110 8.3.1 and 12.5.1).
 *
 * Parsing is lenient where real clients differ (quoted or unquoted values, upper-case names,
 * spaces around `=`, characters like `=` or `/` in an unquoted boundary) and strict only where a
 * value would be meaningless (a type or subtype that is not a token).
 */
export interface MediaType {
  /** Lower case, e.g. `multipart`. */
  readonly type: string;
  /** Lower case, e.g. `related`. */
  readonly subtype: string;
  /** Lower-case `type/subtype`, without parameters: what routes compare. */
  readonly essence: string;
  /** Lower-case names to unquoted values, in header order; the first of a repeated name wins. */
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses `type/subtype; name=value; ...`; undefined when absent or when type or subtype is malformed. */
export function parseMediaType(header: string | null | undefined): MediaType | undefined {
  if (header === null || header === undefined) return undefined;
  const [head = '', ...paramTexts] = splitOutsideQuotes(header, ';');
  const slash = head.indexOf('/');
  if (slash === -1) return undefined;
  const type = head.slice(0, slash).trim().toLowerCase();
  const subtype = head
    .slice(slash + 1)
    .trim()
    .toLowerCase();
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;

  const params = new Map<string, string>();
  for (const text of paramTexts) {
    const parameter = parseParameter(text);
    // A parameter without a value, or a repeated one, is ignored as browsers do, not fatal.
    if (parameter && !params.has(parameter.name)) params.set(parameter.name, parameter.value);
  }
  return { type, subtype, essence: `${type}/${subtype}`, params };
}

/**
 * Splits at `separator` wherever it is not inside a quoted string, so that
 * `boundary="a;b", type="x,y"` stays whole. Backslash escapes inside quotes are honoured.
 */
export function splitOutsideQuotes(text: string, separator: ',' | ';'): string[] {
  const pieces: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted && ch === '\\') i += 1;
    else if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === separator) {
      pieces.push(text.slice(start, i));
      start = i + 1;
    }
  }
  pieces.push(text.slice(start));
  return pieces;
}

function parseParameter(text: string): { name: string; value: string } | undefined {
  const eq = text.indexOf('=');
  if (eq === -1) return undefined;
  const name = text.slice(0, eq).trim().toLowerCase();
  if (!TOKEN.test(name)) return undefined;
  const raw = text.slice(eq + 1).trim();
  const value = raw.startsWith('"') ? unquote(raw) : raw;
  if (value === undefined || value === '' || hasControlCharacter(value)) return undefined;
  return { name, value };
}

/** Header values may hold any visible character or tab, but no other control character (CR/LF split headers). */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** The content of a quoted string that is the whole of `raw`; undefined if unterminated or followed by text. */
function unquote(raw: string): string | undefined {
  let value = '';
  for (let i = 1; i < raw.length; i += 1) {
    const ch = raw[i];
    if (ch === '\\') {
      i += 1;
      value += raw[i] ?? '';
    } else if (ch === '"') {
      return i === raw.length - 1 ? value : undefined;
    } else {
      value += ch;
    }
  }
  return undefined;
}
