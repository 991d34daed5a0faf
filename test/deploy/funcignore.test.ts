// .funcignore keeps what runs on Azure and leaves out local data, sources, tests and tooling, read
// both as git reads it and as Core Tools (`func azure functionapp publish`) reads it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ignore from 'ignore';

/** This file compiles to <outDir>/test/deploy/; the repository is the folder above <outDir>. */
const OUT_DIR = path.resolve(__dirname, '../..');
const FUNCIGNORE = readFileSync(path.join(OUT_DIR, '..', '.funcignore'), 'utf8');

const KEPT = [
  'dist/index.js',
  'dist/functions/storeInstances.js',
  'dist/shared/config.js',
  'dist/shared/search/queryParser.js',
  'host.json',
  'package.json',
  'package-lock.json',
  'node_modules/@azure/functions/package.json',
  'node_modules/jose/dist/webapi/index.js',
  // Only dist/'s source maps go: a runtime file named like one elsewhere stays.
  'node_modules/core-js/modules/es.array.map.js',
];

const LEFT_OUT = [
  '.azurite/__blobstorage__/1234',
  '.azurite/__azurite_db_table__.json',
  '__azurite_db_blob__.json',
  '__blobstorage__/x',
  '__queuestorage__/x',
  'index.ts',
  'functions/storeInstances.ts',
  'shared/config.ts',
  'host/start.ts',
  'test/auth/easyAuth.test.ts',
  'test/fixtures/rich-explicit-le.dcm',
  'bench/run.ts',
  'scripts/orthanc.sh',
  'docs/limits.md',
  'infra/main.bicep',
  'dist/test/auth/easyAuth.test.js',
  'dist/bench/run.js',
  'dist/scripts/x.js',
  'dist/host/start.js',
  'dist/index.js.map',
  'dist/shared/config.js.map',
  'dist-h1/index.js',
  '.bench/results.json',
  'local.settings.json',
  'local.settings.user.json',
  'tsconfig.json',
  'eslint.config.mjs',
  '.prettierrc.json',
  '.prettierignore',
  '.gitignore',
  '.github/workflows/ci.yml',
  '.vscode/settings.json',
  '.ci/run',
  'README.md',
  'npm-debug.log',
];

/**
 * Core Tools' own reading (Azure/azure-functions-core-tools, Common/GitIgnoreParser.cs): each
 * pattern, without a leading `/`, is a regular expression matched at the start of the path with no
 * end anchor; `**` is any run of characters, `*` one or more characters within a segment; `!` wins.
 */
function coreToolsIgnores(text: string): (file: string) => boolean {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const toRegExp = (pattern: string): RegExp => {
    const glob = pattern.replace(/^\//, '');
    const segments = glob.split('**').map((part) => part.split('*').map(escapeRegExp).join('[^/]+'));
    return new RegExp(`^${segments.join('.+')}`);
  };
  const denied = lines.filter((line) => !line.startsWith('!')).map(toRegExp);
  const allowed = lines.filter((line) => line.startsWith('!')).map((line) => toRegExp(line.slice(1)));
  return (file) => denied.some((re) => re.test(file)) && !allowed.some((re) => re.test(file));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Every file under `dir`, as paths relative to `root` with `/`. */
function filesUnder(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

const matchers: [string, (file: string) => boolean][] = [
  ['git', (file) => ignore().add(FUNCIGNORE).ignores(file)],
  ['Core Tools', coreToolsIgnores(FUNCIGNORE)],
];

for (const [reader, ignores] of matchers) {
  describe(`.funcignore read as ${reader} reads it`, () => {
    it('keeps the compiled app, host.json, package files and node_modules', () => {
      for (const file of KEPT) assert.equal(ignores(file), false, file);
    });

    it('leaves out Azurite data, sources, tests, benchmarks, the local host and tooling', () => {
      for (const file of LEFT_OUT) assert.equal(ignores(file), true, file);
    });

    it('keeps every compiled file the app loads, and leaves out every other compiled file', () => {
      const asDist = (file: string): string => `dist/${file}`;
      const deployed = ['index.js', ...filesUnder(OUT_DIR, 'functions'), ...filesUnder(OUT_DIR, 'shared')]
        .filter((file) => !file.endsWith('.map'))
        .map(asDist);
      assert.ok(deployed.length > 50, `only ${deployed.length} compiled files found under ${OUT_DIR}`);
      for (const file of deployed) assert.equal(ignores(file), false, file);
      for (const dir of ['test', 'bench', 'scripts', 'host']) {
        for (const file of filesUnder(OUT_DIR, dir).map(asDist)) assert.equal(ignores(file), true, file);
      }
    });
  });
}
