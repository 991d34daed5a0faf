import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The files a package.json `main` names, in the forms Functions apps use: a plain path, a `*` in
 * the last segment, and `{a,b}` alternatives (the worker globs with globby; azure-functions-nodejs-worker
 * src/startApp.ts). Sorted within each pattern, patterns in the order written.
 */
export function expandEntryPoint(appDirectory: string, main: string): string[] {
  const files: string[] = [];
  for (const pattern of expandBraces(main)) {
    const absolute = path.resolve(appDirectory, pattern);
    const base = path.basename(absolute);
    if (!base.includes('*')) {
      if (existsSync(absolute) && !files.includes(absolute)) files.push(absolute);
      continue;
    }
    const dir = path.dirname(absolute);
    if (!existsSync(dir)) continue;
    const matcher = new RegExp(`^${base.split('*').map(escape).join('[^/]*')}$`);
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (matcher.test(name) && !files.includes(file)) files.push(file);
    }
  }
  return files;
}

function expandBraces(pattern: string): string[] {
  const match = /\{([^{}]*)\}/.exec(pattern);
  if (!match) return [pattern];
  const [whole, alternatives = ''] = match;
  return alternatives.split(',').flatMap((alternative) => expandBraces(pattern.replace(whole, alternative)));
}

function escape(literal: string): string {
  return literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
