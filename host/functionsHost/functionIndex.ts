import type { BindingInfo } from '../worker/coreTypes';
import type { RegisteredFunction } from '../worker/nodeWorker';
import {
  FUNCTION_NAME,
  RESERVED_FUNCTION_NAMES,
  RESERVED_ROUTE_PREFIXES,
  compareFunctionNames,
  httpRoutesConflict,
  isValidQueueName,
  trimSlashes,
} from './hostRules';

export interface IndexedHttpFunction {
  readonly id: string;
  readonly name: string;
  readonly route: string;
  /** Upper case; empty means every method. */
  readonly methods: readonly string[];
  readonly triggerName: string;
}

export interface IndexedTriggerFunction {
  readonly id: string;
  readonly name: string;
  readonly triggerName: string;
  readonly binding: BindingInfo;
}

export interface FunctionIndex {
  /** In the host's matching order. */
  readonly http: readonly IndexedHttpFunction[];
  readonly timers: readonly IndexedTriggerFunction[];
  /** Storage Queue triggers (`queueTrigger`), each with its queue name and connection setting. */
  readonly queues: readonly IndexedTriggerFunction[];
  readonly warmup: IndexedTriggerFunction | undefined;
}

/** The app breaks one of the host's indexing rules; the message names every function involved. */
export class FunctionIndexError extends Error {}

/**
 * Indexes the functions the worker reported as the host does when it creates its function
 * descriptors (`FunctionDescriptorProvider.ValidateFunction`, `ScriptHost.ValidateFunction` in
 * azure-functions-host). Where the real host logs an error and leaves the function out, the local
 * host refuses to start: a function that would be missing on Azure must fail here, loudly.
 */
export function indexFunctions(functions: readonly RegisteredFunction[]): FunctionIndex {
  const problems: string[] = [];
  const http: IndexedHttpFunction[] = [];
  const timers: IndexedTriggerFunction[] = [];
  const queues: IndexedTriggerFunction[] = [];
  let warmup: IndexedTriggerFunction | undefined;
  const sorted = [...functions].sort((a, b) => compareFunctionNames(a.metadata.name, b.metadata.name));
  const seenNames = new Set<string>();

  for (const fn of sorted) {
    const { name } = fn.metadata;
    const id = fn.metadata.functionId ?? name;
    if (!FUNCTION_NAME.test(name) || RESERVED_FUNCTION_NAMES.includes(name.toLowerCase())) {
      problems.push(`'${name}' is not a valid function name.`);
      continue;
    }
    if (seenNames.has(name.toLowerCase())) {
      problems.push(`The function name '${name}' must be unique within the function app.`);
      continue;
    }
    seenNames.add(name.toLowerCase());
    const triggers = Object.entries(fn.metadata.bindings).filter(
      ([, binding]) => binding.direction === 'in' && /trigger$/i.test(binding.type ?? ''),
    );
    if (triggers.length !== 1) {
      problems.push(`'${name}' must have exactly one trigger binding (it has ${triggers.length}).`);
      continue;
    }
    const [triggerName, binding] = triggers[0] as [string, BindingInfo];
    const type = (binding.type ?? '').toLowerCase();
    if (type === 'httptrigger') {
      const indexed = httpFunction(id, name, triggerName, binding);
      const reserved = RESERVED_ROUTE_PREFIXES.find((p) => trimSlashes(indexed.route).toLowerCase().startsWith(p));
      if (reserved) {
        problems.push(
          `'${name}': the route '${indexed.route}' conflicts with the host's built-in routes (${reserved}).`,
        );
        continue;
      }
      const other = http.find((existing) => httpRoutesConflict(indexed, existing));
      if (other) {
        problems.push(
          `'${name}': the route '${indexed.route}' [${indexed.methods.join(',') || 'all'}] conflicts with ` +
            `the route defined by function '${other.name}' [${other.methods.join(',') || 'all'}].`,
        );
        continue;
      }
      http.push(indexed);
    } else if (type === 'timertrigger') {
      timers.push({ id, name, triggerName, binding });
    } else if (type === 'queuetrigger') {
      const queueName = typeof binding.queueName === 'string' ? binding.queueName : '';
      if (!isValidQueueName(queueName)) {
        problems.push(`'${name}': '${queueName}' is not a valid queue name.`);
        continue;
      }
      queues.push({ id, name, triggerName, binding });
    } else if (type === 'warmuptrigger') {
      warmup = { id, name, triggerName, binding };
    } else {
      problems.push(`'${name}': the local host does not run ${binding.type ?? 'untyped'} triggers.`);
    }
  }
  if (problems.length > 0) {
    throw new FunctionIndexError(`The Functions host would not load this app:\n  ${problems.join('\n  ')}`);
  }
  return { http, timers, queues, warmup };
}

function httpFunction(id: string, name: string, triggerName: string, binding: BindingInfo): IndexedHttpFunction {
  const route = typeof binding.route === 'string' && binding.route.trim() !== '' ? binding.route : name;
  const methods = Array.isArray(binding.methods) ? binding.methods.map((m) => String(m).toUpperCase()) : [];
  return { id, name, route, methods, triggerName };
}
