/** A route template's parameter values, by the names the template gives them. */
export type RouteParams = Readonly<Record<string, string>>;

/** `{study}`, `{*rest}`, `{id:int}`, `{name?}`, `{name=default}`: the names, in template order. */
export function routeParameterNames(template: string): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(/\{\*{0,2}([^{}:=?]+)/g)) if (match[1]) names.push(match[1]);
  return names;
}

/**
 * The template's values from what the host passes as `request.params`. On Azure that object also
 * holds every query parameter, merged case-insensitively with the route values, the route value
 * winning but the key keeping the case it first came with (`?Study=x` on `studies/{study}` gives
 * `{ Study: <route value> }`; azure-webjobs-sdk-extensions HttpTriggerAttributeBindingProvider,
 * GetRequestBindingData). So: look each name up case-insensitively and take nothing else.
 */
export function routeValues(params: Readonly<Record<string, string>>, names: readonly string[]): RouteParams {
  const byLowerName = new Map<string, string>();
  for (const [key, value] of Object.entries(params)) byLowerName.set(key.toLowerCase(), value);
  const values: Record<string, string> = {};
  for (const name of names) {
    const value = byLowerName.get(name.toLowerCase());
    if (value !== undefined) values[name] = value;
  }
  return values;
}
