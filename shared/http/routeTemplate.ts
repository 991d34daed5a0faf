/**
 * Route templates in the syntax the Functions host takes from ASP.NET routing: literal segments
 * (matched case-insensitively), `{name}`, `{name?}` and `{name=default}`, a catch-all `{*rest}`
 * as the last segment, and several parameters in one segment (`{a}.{b}`). Constraints such as
 * `{id:int}` are accepted and not enforced; nothing in this app relies on them.
 */
export interface RouteTemplate {
  readonly template: string;
  /** The raw (still percent-encoded) parameter values, or undefined when the path does not match. */
  match(path: string): Record<string, string> | undefined;
}

interface ParamSpec {
  readonly name: string;
  readonly catchAll: boolean;
  readonly optional: boolean;
  readonly defaultValue: string | undefined;
}

export function compileRouteTemplate(template: string): RouteTemplate {
  const names: string[] = [];
  const defaults = new Map<string, string>();
  let pattern = '';
  for (const segment of template.split('/').filter((s) => s !== '')) {
    const whole = /^\{([^{}]+)\}$/.exec(segment);
    const spec = whole?.[1] === undefined ? undefined : parseParam(whole[1]);
    if (spec) {
      names.push(spec.name);
      if (spec.defaultValue !== undefined) defaults.set(spec.name, spec.defaultValue);
      // A catch-all also takes an empty rest, as ASP.NET's does.
      pattern += spec.catchAll ? '(?:/(.+))?' : spec.optional ? '(?:/([^/]+))?' : '/([^/]+)';
      continue;
    }
    pattern += '/' + compileComplexSegment(segment, names);
  }
  // ASP.NET ignores one trailing slash; literals compare case-insensitively.
  const regex = new RegExp(`^${pattern}/?$`, 'i');
  return {
    template,
    match(path) {
      const found = regex.exec(path);
      if (!found) return undefined;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        const value = found[i + 1] ?? defaults.get(name);
        if (value !== undefined) params[name] = value;
      });
      return params;
    },
  };
}

/** A segment mixing literals and parameters, e.g. `frames` or `{file}.{ext}`. */
function compileComplexSegment(segment: string, names: string[]): string {
  let pattern = '';
  const parts = segment.split(/(\{[^{}]+\})/).filter((p) => p !== '');
  for (const part of parts) {
    const spec = part.startsWith('{') ? parseParam(part.slice(1, -1)) : undefined;
    if (!spec) {
      pattern += escapeRegExp(part);
      continue;
    }
    names.push(spec.name);
    // Greedy, so `{file}.{ext}` splits `a.b.c` at the last dot, as ASP.NET's right-to-left match does.
    pattern += '([^/]+)';
  }
  return pattern;
}

/** `name`, `*name`, `**name`, `name?`, `name=default`, each optionally with `:constraint`s. */
function parseParam(body: string): ParamSpec {
  const catchAll = body.startsWith('*');
  const rest = body.replace(/^\*{1,2}/, '');
  const name = /^[^:=?]+/.exec(rest)?.[0] ?? rest;
  const equals = rest.indexOf('=');
  const defaultValue = equals >= 0 ? rest.slice(equals + 1) : undefined;
  return { name, catchAll, optional: catchAll || rest.endsWith('?') || defaultValue !== undefined, defaultValue };
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
