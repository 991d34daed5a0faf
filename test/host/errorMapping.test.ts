import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConflictError } from '../../shared/errors';
import { registerDicomWebRoute, registerFunction } from '../../shared/http/routeTable';
import { startHost, type HostUnderTest } from './hostFixture';

registerFunction({
  name: 'throwsPlainError',
  route: 'boom',
  methods: ['GET'],
  handler: () => Promise.reject(new Error('secret detail', { cause: new Error('root cause') })),
});
registerDicomWebRoute({
  name: 'throwsConflict',
  route: 'conflict',
  methods: ['POST'],
  handler: () => {
    throw new ConflictError('The instance already exists.');
  },
});
registerFunction({
  name: 'logsAtEveryLevel',
  route: 'logs',
  methods: ['GET'],
  handler: (_request, context) => {
    context.trace('trace line');
    context.debug('debug line');
    context.log('info line', { n: 1 });
    context.warn('warn line');
    return Promise.resolve({ status: 204 });
  },
});

describe('errors from handlers', () => {
  let server: HostUnderTest;
  before(async () => {
    server = await startHost();
  });
  after(() => server.close());

  it('turns an unknown error into the plain 500 that names only the invocation', async () => {
    const response = await fetch(`${server.url}/boom`);
    assert.equal(response.status, 500);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    const id = response.headers.get('x-ms-invocation-id') ?? '';
    const body = await response.text();
    assert.equal(body, `An internal error occurred. Reference: ${id}`);
    assert.doesNotMatch(body, /secret/);
    const logged = server.logs.filter((line) => line.includes(id));
    assert.deepEqual(logged, [
      `[error] throwsPlainError ${id}: Unhandled error in throwsPlainError (${id}): ` +
        'Error: secret detail (caused by Error: root cause)',
    ]);
  });

  it('answers a typed error with its status and message, for every API version', async () => {
    for (const version of ['v1', 'v2']) {
      const response = await fetch(`${server.url}/${version}/conflict`, { method: 'POST', body: 'x' });
      assert.equal(response.status, 409);
      assert.equal(await response.text(), 'The instance already exists.');
    }
  });

  it('logs information and above, with level, function and invocation id', async () => {
    const response = await fetch(`${server.url}/logs`);
    const id = response.headers.get('x-ms-invocation-id') ?? '';
    assert.deepEqual(
      server.logs.filter((line) => line.includes(id)),
      [`[information] logsAtEveryLevel ${id}: info line { n: 1 }`, `[warning] logsAtEveryLevel ${id}: warn line`],
    );
  });
});
