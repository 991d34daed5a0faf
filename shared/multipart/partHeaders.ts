import { BadRequestError } from '../errors';
import { hasControlCharacter } from '../http/mediaType';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses a part's header block (the lines between the boundary line and the empty line) into
 * lower-case names and trimmed values. CRLF and bare LF both end a line; a line that starts with
 * a space or tab continues the previous one (RFC 5322 folding); a repeated name is joined with
 * `, `. Bytes are read as latin1, which keeps every byte. A line that is not `name: value`, or a
 * control character, means the part does not start with headers (a client that sent the file
 * right after the boundary), which is a framing error, not something to guess around.
 */
export function parseHeaderBlock(block: Buffer, partNumber: number): Map<string, string> {
  const headers = new Map<string, string>();
  if (block.length === 0) return headers;
  let last: string | undefined;
  for (const rawLine of block.toString('latin1').split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (hasControlCharacter(line)) throw invalidHeader(partNumber);
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const previous = last === undefined ? undefined : headers.get(last);
      if (last === undefined || previous === undefined) throw invalidHeader(partNumber);
      headers.set(last, `${previous} ${line.trim()}`.trim());
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trimEnd().toLowerCase();
    if (!TOKEN.test(name)) throw invalidHeader(partNumber);
    const value = line.slice(colon + 1).trim();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
    last = name;
  }
  return headers;
}

function invalidHeader(partNumber: number): BadRequestError {
  return new BadRequestError(
    `Part ${partNumber} of the multipart body has an invalid header line; each part must start with header lines and an empty line.`,
    'MultipartInvalidHeader',
  );
}
