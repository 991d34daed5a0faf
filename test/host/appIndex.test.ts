// The built app, loaded as the Node worker loads it and indexed with the host's rules: every
// function passes, and every DICOMweb route resolves to its own function.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { indexFunctions, type FunctionIndex } from '../../host/functionsHost/functionIndex';
import { createRouter, type Router } from '../../host/router';
import { NodeWorker, packageMain } from '../../host/worker/nodeWorker';
import { APP_ROOT, BUILD_ENTRY_POINT } from '../support/testServer';

describe('the app as the Functions host indexes it', () => {
  let index: FunctionIndex;
  let router: Router;
  before(async () => {
    const worker = new NodeWorker(() => undefined);
    await worker.loadApp(APP_ROOT, path.relative(APP_ROOT, BUILD_ENTRY_POINT));
    index = indexFunctions(worker.indexFunctions());
    router = createRouter(index.http);
  });

  it('is loaded from package.json main, which imports every function module', async () => {
    assert.equal(await packageMain(APP_ROOT), 'dist/index.js');
    const entry = readFileSync(path.join(APP_ROOT, 'index.ts'), 'utf8');
    for (const file of readdirSync(path.join(APP_ROOT, 'functions')).filter((f) => f.endsWith('.ts'))) {
      assert.ok(entry.includes(`'./functions/${file.slice(0, -3)}'`), `index.ts imports functions/${file}`);
    }
  });

  it('passes every indexing rule, with its timers, queue triggers and a warm-up trigger', () => {
    assert.ok(index.http.length >= 30, `${index.http.length} HTTP functions`);
    assert.deepEqual(
      index.timers.map((t) => t.name),
      ['importFiles', 'publishDicomEvents', 'requeueStaleOperations', 'sweepAbandonedStores'],
    );
    assert.deepEqual(
      index.queues.map((q) => [q.name, q.binding.queueName, q.binding.connection]),
      [
        ['failPoisonedOperationStep', 'dicom-operations-poison', 'AzureWebJobsStorage'],
        ['runOperationStep', 'dicom-operations', 'AzureWebJobsStorage'],
      ],
    );
    assert.equal(index.warmup?.name, 'warmup');
  });

  const expectations: [method: string, path: string, fn: string][] = [];
  for (const v of ['v1', 'v2']) {
    const study = `/${v}/studies/1.2.3`;
    const series = `${study}/series/4.5`;
    const instance = `${series}/instances/6.7`;
    expectations.push(
      ['POST', `/${v}/studies`, `${v}-studies`],
      ['GET', `/${v}/studies`, `${v}-studies`],
      ['POST', study, `${v}-studies-study`],
      ['GET', study, `${v}-studies-study`],
      ['DELETE', study, `${v}-studies-study`],
      ['GET', `${study}/metadata`, `${v}-studies-study-metadata`],
      ['GET', `${study}/series`, `${v}-studies-study-series`],
      ['GET', `${study}/instances`, `${v}-studies-study-instances`],
      ['GET', series, `${v}-studies-study-series-series`],
      ['DELETE', series, `${v}-studies-study-series-series`],
      ['GET', `${series}/metadata`, `${v}-studies-study-series-series-metadata`],
      ['GET', `${series}/instances`, `${v}-studies-study-series-series-instances`],
      ['GET', instance, `${v}-studies-study-series-series-instances-instance`],
      ['DELETE', instance, `${v}-studies-study-series-series-instances-instance`],
      ['GET', `${instance}/metadata`, `${v}-studies-study-series-series-instances-instance-metadata`],
      ['GET', `${instance}/frames/1,2`, `${v}-studies-study-series-series-instances-instance-frames-frames`],
      ['GET', `/${v}/series`, `${v}-series`],
      ['GET', `/${v}/instances`, `${v}-instances`],
      ['GET', `/${v}/changefeed`, `${v}-changefeed`],
      ['GET', `/${v}/changefeed/latest`, `${v}-changefeed-latest`],
      ['GET', `/${v}/operations/0123456789abcdef0123456789abcdef`, `${v}-operations-operationId`],
      ['OPTIONS', `/${v}/studies`, `${v}-studies`],
    );
  }
  expectations.push(
    ['GET', '/health', 'health'],
    ['GET', '/v3/studies', 'zz-unmatched-version'],
    // PUT (upsert) exists in v2 only; v1 answers 405 as for any method a route lacks.
    ['PUT', '/v2/studies', 'v2-studies'],
    ['PUT', '/v2/studies/1.2.3', 'v2-studies-study'],
    ['PUT', '/v1/studies', 'zz-unmatched-version'],
    ['GET', '/studies', 'zz-unversioned-studies'],
  );

  it('resolves every DICOMweb route to its own function', () => {
    for (const [method, urlPath, fn] of expectations) {
      const match = router.match(method, urlPath);
      assert.equal(match.kind === 'found' ? match.fn.name : match.kind, fn, `${method} ${urlPath}`);
    }
  });

  it("leaves the host's admin/warmup route to the host", () => {
    assert.equal(router.match('GET', '/admin/warmup').kind, 'notFound');
  });
});
