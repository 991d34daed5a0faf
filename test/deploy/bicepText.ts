/**
 * Just enough reading of a Bicep file, as text, to check a template where the Bicep CLI is not
 * available: resource blocks, `var` values, and the name/value pairs of an `appSettings` array.
 * It relies on the template's own layout (one property per line, `//` comments only).
 */
export interface BicepResource {
  readonly symbol: string;
  /** The resource type without its API version, e.g. `Microsoft.Web/sites`. */
  readonly type: string;
  readonly body: string;
}

const RESOURCE_HEADER = /^resource\s+(\w+)\s+'([^'@]+)@[^']+'\s*=\s*(?:\[for [^:]+:\s*)?\{/gm;
const VAR_LINE = /^var\s+(\w+)\s*=\s*(.+)$/gm;
const SETTING = /\{\s*name:\s*'([^']+)'\s*value:\s*([^\n]+?)\s*\n\s*\}/g;

/** The template without `//` comments (a `//` inside a string, as in a URL, is kept). */
export function withoutComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let inString = false;
      for (let i = 0; i < line.length; i++) {
        const char = line[i];
        if (char === '\\' && inString) i++;
        else if (char === "'") inString = !inString;
        else if (!inString && char === '/' && line[i + 1] === '/') return line.slice(0, i).trimEnd();
      }
      return line;
    })
    .join('\n');
}

export function resources(text: string): BicepResource[] {
  return [...text.matchAll(RESOURCE_HEADER)].map((match) => {
    const open = match.index + match[0].length - 1;
    return { symbol: match[1]!, type: match[2]!, body: text.slice(open, closingIndex(text, open) + 1) };
  });
}

/** The one resource of a type; throws when there is none or several. */
export function onlyResource(text: string, type: string): BicepResource {
  const found = resources(text).filter((resource) => resource.type === type);
  if (found.length !== 1) throw new Error(`expected one ${type} resource, found ${found.length}`);
  return found[0]!;
}

/** `var name = expression`: the expressions, as written. */
export function variables(text: string): Map<string, string> {
  return new Map([...text.matchAll(VAR_LINE)].map((match) => [match[1]!, match[2]!.trim()]));
}

/** The `appSettings: [ { name: '...' value: ... } ]` entries of a block: setting name to value expression. */
export function appSettings(body: string): Map<string, string> {
  const start = body.indexOf('appSettings: [');
  if (start < 0) throw new Error('no appSettings array');
  const open = body.indexOf('[', start);
  const block = body.slice(open, closingIndex(body, open) + 1);
  const settings = new Map<string, string>();
  for (const match of block.matchAll(SETTING)) {
    if (settings.has(match[1]!)) throw new Error(`app setting ${match[1]} is set twice`);
    settings.set(match[1]!, match[2]!);
  }
  return settings;
}

/** A property of a block (`name: expression` on its own line), first occurrence. */
export function property(body: string, name: string): string | undefined {
  return new RegExp(`^\\s*${name}:\\s*(.+)$`, 'm').exec(body)?.[1]?.trim();
}

/** The `{ ... }` value of the first `name: {` in a block. */
export function block(body: string, name: string): string {
  const match = new RegExp(`\\b${name}:\\s*\\{`).exec(body);
  if (!match) throw new Error(`no ${name} block`);
  const open = match.index + match[0].length - 1;
  return body.slice(open, closingIndex(body, open) + 1);
}

/** Index of the bracket closing the one at `open`, skipping strings. */
function closingIndex(text: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const stack: string[] = [];
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const char = text[i]!;
    if (inString) {
      if (char === '\\') i++;
      else if (char === "'") inString = false;
    } else if (char === "'") {
      inString = true;
    } else if (pairs[char]) {
      stack.push(pairs[char]);
    } else if (char === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  throw new Error(`unbalanced bracket at offset ${open}`);
}
