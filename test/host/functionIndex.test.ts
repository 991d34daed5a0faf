// Indexing with the host's rules: a registration the host would refuse stops the local host,
// naming both functions. The functions register through the real app.http.
import { app } from '@azure/functions';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionIndexError, indexFunctions } from '../../host/functionsHost/functionIndex';
import { NodeWorker } from '../../host/worker/nodeWorker';

describe('indexing the registered functions', () => {
  const worker = new NodeWorker(() => undefined);
  const handler = () => Promise.resolve({});
  app.http('listThings', { route: 'things', methods: ['GET'], handler });
  app.http('storeThings', { route: 'Things/', methods: ['POST'], handler });
  app.http('searchThings', { route: 'things', methods: ['GET', 'OPTIONS'], handler });
  app.http('adminPage', { route: 'administration/x', methods: ['GET'], handler });
  app.http('bad.name', { route: 'ok', handler });

  it('refuses the app, naming the conflicting functions, reserved routes and invalid names', () => {
    const registered = worker.indexFunctions();
    assert.equal(registered.length, 5);
    assert.throws(
      () => indexFunctions(registered),
      (error: unknown) => {
        assert.ok(error instanceof FunctionIndexError);
        // GET and POST on one template in two functions is fine; two GETs are not.
        assert.match(
          error.message,
          /'searchThings': the route 'things' \[GET,OPTIONS\] conflicts .* 'listThings' \[GET\]/,
        );
        assert.doesNotMatch(error.message, /'storeThings'/);
        assert.match(
          error.message,
          /'adminPage': the route 'administration\/x' conflicts with the host's built-in routes/,
        );
        assert.match(error.message, /'bad\.name' is not a valid function name/);
        return true;
      },
    );
  });

  it('refuses registrations after indexing, as the worker does', () => {
    assert.throws(() => app.http('late', { route: 'late', handler }), /only be registered during app startup/);
  });
});
