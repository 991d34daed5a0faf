import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The environment settings that TypeScript sources read, found by pattern rather than by running
 * them: `env.NAME`, `process.env.NAME`, `env['NAME']`, `env[CONSTANT]` (a `const CONSTANT = 'NAME'`
 * in any scanned file), `helper(env, 'NAME')`, `helper(env, CONSTANT)` and `const { NAME } = env`.
 * A SCREAMING_CASE constant that cannot be resolved is reported, so a setting never slips past unseen.
 */
export interface SettingScan {
  readonly names: ReadonlySet<string>;
  /** `env[X]` or `helper(env, X)` where X is a constant with no string value in the scanned files. */
  readonly unresolved: readonly string[];
}

const IDENTIFIER = '[A-Za-z_$][\\w$]*';
const CONSTANT = /^[A-Z_][A-Z0-9_]*$/;

const DOT_ACCESS = new RegExp(`\\benv\\.(${IDENTIFIER})`, 'g');
const LITERAL_INDEX = /\benv\[\s*(['"`])([^'"`]+)\1\s*\]/g;
const IDENTIFIER_INDEX = new RegExp(`\\benv\\[\\s*(${IDENTIFIER})\\s*\\]`, 'g');
const HELPER_LITERAL = /\(\s*env\s*,\s*(['"`])([^'"`]+)\1/g;
const HELPER_IDENTIFIER = new RegExp(`\\(\\s*env\\s*,\\s*(${IDENTIFIER})\\s*[,)]`, 'g');
const DESTRUCTURED = /\{([^{}]*)\}\s*=\s*(?:process\.)?env\b/g;
const STRING_CONSTANT = /\bconst\s+([A-Z_][A-Z0-9_]*)\s*=\s*(['"])([^'"]+)\2/g;

/** Scans every `.ts` file under the given files and folders. */
export function scanSettings(roots: readonly string[]): SettingScan {
  const sources = roots.flatMap(sourceFiles).map((file) => readFileSync(file, 'utf8'));
  const constants = new Map<string, string>();
  for (const source of sources) {
    for (const match of source.matchAll(STRING_CONSTANT)) constants.set(match[1]!, match[3]!);
  }
  const names = new Set<string>();
  const unresolved: string[] = [];
  const addIdentifier = (identifier: string): void => {
    const value = constants.get(identifier);
    if (value !== undefined) names.add(value);
    // Lower-case identifiers are a helper's parameter; its callers pass the name and are scanned.
    else if (CONSTANT.test(identifier)) unresolved.push(identifier);
  };
  for (const source of sources) {
    for (const match of source.matchAll(DOT_ACCESS)) names.add(match[1]!);
    for (const match of source.matchAll(LITERAL_INDEX)) names.add(match[2]!);
    for (const match of source.matchAll(HELPER_LITERAL)) names.add(match[2]!);
    for (const match of source.matchAll(IDENTIFIER_INDEX)) addIdentifier(match[1]!);
    for (const match of source.matchAll(HELPER_IDENTIFIER)) addIdentifier(match[1]!);
    for (const match of source.matchAll(DESTRUCTURED)) {
      for (const part of match[1]!.split(',')) {
        const name = part.split(':')[0]!.trim();
        if (name) names.add(name);
      }
    }
  }
  return { names, unresolved };
}

function sourceFiles(root: string): string[] {
  if (root.endsWith('.ts')) return [root];
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(root, file));
}
