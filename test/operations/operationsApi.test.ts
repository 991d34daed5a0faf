// GET /v{1,2}/operations/{operationId} over HTTP, authentication on: 202 + Location while active,
// 200 once ended (v1 `completed`, v2 `succeeded`), 404 with an empty body for unknown, internal and
// malformed ids. Operations are created through the runner's module API (no public operation type
// exists yet) in the app's own storage; queue triggers are off, so nothing runs them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startOperation } from '../../shared/operations/operationRunner';
import { readOperation, saveOperation } from '../../shared/operations/operationStore';
import type { OperationState } from '../../shared/operations/operationTypes';
import { useTestServer } from '../support/serverFixture';
import { AUDIENCE, newSigningKey, signToken, startKeySetServer, TENANT, type KeySetServer } from '../auth/tokenIssuer';

describe('GET /v{n}/operations/{operationId}', () => {
  const env: Record<string, string> = { AUTH_ENABLED: 'true', AUTH_TENANT_ID: TENANT, AUTH_AUDIENCES: AUDIENCE };
  let jwks: KeySetServer;
  let readerToken: string;
  before(async () => {
    const key = await newSigningKey();
    jwks = await startKeySetServer([key]);
    env.AUTH_JWKS_URL = jwks.url;
    readerToken = await signToken({ key, claims: { roles: ['DicomDataReader'] } });
  });
  after(() => jwks.close());
  const ctx = useTestServer({ env });

  const get = (path: string, token = readerToken) =>
    fetch(`${ctx.baseUrl}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

  async function end(operation: OperationState<unknown>, status: 'succeeded' | 'failed', results?: unknown) {
    const stored = await readOperation(operation.id);
    assert.ok(stored);
    const ended = { ...stored.state, status, percentComplete: 40, lastUpdatedTime: new Date(), results };
    assert.equal(await saveOperation(ended, { step: stored.step + 1, requeues: 0 }, stored.etag), true);
  }

  test('an active operation answers 202 with Location and its state', async () => {
    const operation = await startOperation('reindex', { next: 0 }, ['extendedquerytags/00101010']);
    for (const version of ['v1', 'v2']) {
      const response = await get(`/${version}/operations/${operation.id}`);
      assert.equal(response.status, 202);
      const self = `${ctx.baseUrl}/${version}/operations/${operation.id}`;
      assert.equal(response.headers.get('location'), self);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await response.json()) as Record<string, unknown>;
      assert.deepEqual(body, {
        operationId: operation.id,
        type: 'reindex',
        createdTime: operation.createdTime.toISOString(),
        lastUpdatedTime: operation.lastUpdatedTime.toISOString(),
        status: 'notStarted',
        percentComplete: 0,
        resources: [`${ctx.baseUrl}/${version}/extendedquerytags/00101010`],
      });
    }
    // The GUID's other textual forms name the same operation, as a .NET Guid route value does.
    const dashed = operation.id.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5').toUpperCase();
    assert.equal((await get(`/v2/operations/${dashed}`)).status, 202);
  });

  test('a succeeded operation answers 200: v2 succeeded, v1 completed, percentComplete 100', async () => {
    const operation = await startOperation('reindex', {}, []);
    await end(operation, 'succeeded');
    const v2 = await get(`/v2/operations/${operation.id}`);
    assert.equal(v2.status, 200);
    assert.equal(v2.headers.get('location'), null);
    const v2Body = (await v2.json()) as Record<string, unknown>;
    assert.equal(v2Body.status, 'succeeded');
    assert.equal(v2Body.percentComplete, 100);
    const v1Body = (await (await get(`/v1/operations/${operation.id}`)).json()) as Record<string, unknown>;
    assert.equal(v1Body.status, 'completed');
  });

  test('a failed operation answers 200 with its results, failed in both versions', async () => {
    const operation = await startOperation('export', {}, []);
    await end(operation, 'failed', { errors: ['it broke'] });
    for (const version of ['v1', 'v2']) {
      const response = await get(`/${version}/operations/${operation.id}`);
      assert.equal(response.status, 200);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.status, 'failed');
      assert.equal(body.percentComplete, 40);
      assert.deepEqual(body.results, { errors: ['it broke'] });
    }
  });

  test('unknown, internal and malformed ids answer 404 with an empty body', async () => {
    const internal = await startOperation('internal:tagIndexDelete', {}, []);
    for (const id of [internal.id, '0'.repeat(32), 'not-a-guid', `${internal.id}0`, '..%2F..%2Fstudies']) {
      const response = await get(`/v2/operations/${id}`);
      assert.equal(response.status, 404, id);
      assert.equal(await response.text(), '', id);
    }
  });

  test('reading operations needs a token with a role that may read', async () => {
    const operation = await startOperation('reindex', {}, []);
    assert.equal((await get(`/v2/operations/${operation.id}`, '')).status, 401);
  });
});
