import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_HOST_ENV } from '../shared/http/routeTable';

/**
 * Loads the compiled app as the Functions host does from package.json `main`
 * (`dist/{index.js,functions/*.js}`), after marking the process as a local host so that each
 * registration fills the route table instead of calling `app.http`. Returns the files loaded.
 */
export async function loadFunctionApp(distRoot: string): Promise<string[]> {
  process.env[LOCAL_HOST_ENV] = '1';
  const functionsDir = path.join(distRoot, 'functions');
  const functionFiles = existsSync(functionsDir)
    ? readdirSync(functionsDir)
        .filter((name) => name.endsWith('.js'))
        .sort()
        .map((name) => path.join(functionsDir, name))
    : [];
  const files = [path.join(distRoot, 'index.js'), ...functionFiles];
  for (const file of files) await import(file);
  return files;
}
