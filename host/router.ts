import type { RegisteredFunction } from '../shared/http/routeTable';
import { compileRouteTemplate, type RouteTemplate } from './routeTemplate';

export type RouteMatch =
  | { readonly kind: 'found'; readonly fn: RegisteredFunction; readonly params: Record<string, string> }
  | { readonly kind: 'methodNotAllowed'; readonly allow: readonly string[] }
  | { readonly kind: 'notFound' }
  | { readonly kind: 'badRequest'; readonly reason: string };

export interface Router {
  match(method: string, path: string): RouteMatch;
}

interface CompiledRoute {
  readonly fn: RegisteredFunction;
  readonly template: RouteTemplate;
  readonly methods: ReadonlySet<string>;
}

/** `app.http` answers GET and POST when a function names no methods. */
const DEFAULT_METHODS = ['GET', 'POST'];

/**
 * Matches like the Functions host: functions in the order given (registeredFunctions() sorts them
 * by name), first match wins, and a function whose methods exclude the request's is skipped, so a
 * later one may still take the request. Only when no function takes it but some template matched
 * does the answer become 405 (the real host says 404 then; 405 with Allow is more useful locally).
 */
export function createRouter(functions: readonly RegisteredFunction[]): Router {
  const routes: CompiledRoute[] = functions.map((fn) => ({
    fn,
    template: compileRouteTemplate(fn.route),
    methods: new Set(fn.methods.length > 0 ? fn.methods : DEFAULT_METHODS),
  }));
  return {
    match(method, path) {
      let allow: Set<string> | undefined;
      for (const route of routes) {
        const raw = route.template.match(path);
        if (!raw) continue;
        if (!route.methods.has(method)) {
          allow ??= new Set();
          for (const m of route.methods) allow.add(m);
          continue;
        }
        const params = decodeParams(raw);
        return params
          ? { kind: 'found', fn: route.fn, params }
          : { kind: 'badRequest', reason: 'malformed URL encoding' };
      }
      return allow ? { kind: 'methodNotAllowed', allow: [...allow].sort() } : { kind: 'notFound' };
    },
  };
}

/** Route values reach handlers decoded, as the host passes them; undefined for malformed escapes. */
function decodeParams(raw: Record<string, string>): Record<string, string> | undefined {
  const decoded: Record<string, string> = {};
  try {
    for (const [name, value] of Object.entries(raw)) {
      decoded[name] = value.includes('%') ? decodeURIComponent(value) : value;
    }
  } catch {
    return undefined;
  }
  return decoded;
}
