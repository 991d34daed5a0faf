import { compileRouteTemplate, type RouteTemplate } from '../shared/http/routeTemplate';
import type { IndexedHttpFunction } from './functionsHost/functionIndex';

export type RouteMatch =
  | { readonly kind: 'found'; readonly fn: IndexedHttpFunction; readonly params: Record<string, string> }
  | { readonly kind: 'notFound' }
  | { readonly kind: 'badRequest'; readonly reason: string };

export interface Router {
  match(method: string, path: string): RouteMatch;
}

interface CompiledRoute {
  readonly fn: IndexedHttpFunction;
  readonly template: RouteTemplate;
  readonly methods: ReadonlySet<string>;
}

/**
 * Matches as the host's RouteCollection does: functions in the order given (the index sorts them
 * by name), the first whose template and method constraint both match takes the request; a
 * template that matches with the wrong method just passes it on. Nothing matching is a 404.
 */
export function createRouter(functions: readonly IndexedHttpFunction[]): Router {
  const routes: CompiledRoute[] = functions.map((fn) => ({
    fn,
    template: compileRouteTemplate(fn.route),
    methods: new Set(fn.methods),
  }));
  return {
    match(method, path) {
      for (const route of routes) {
        if (route.methods.size > 0 && !route.methods.has(method.toUpperCase())) continue;
        const raw = route.template.match(path);
        if (!raw) continue;
        const params = decodeParams(raw);
        return params
          ? { kind: 'found', fn: route.fn, params }
          : { kind: 'badRequest', reason: 'malformed URL encoding' };
      }
      return { kind: 'notFound' };
    },
  };
}

/** Route values reach the function decoded, as the host passes them; undefined for malformed escapes. */
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
