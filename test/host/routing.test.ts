import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { registerDicomWebRoute, registerFunction } from '../../shared/http/routeTable';
import { rawRequest, startHost, type HostUnderTest } from './hostFixture';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Echo {
  readonly fn: string;
  readonly apiVersion?: string;
  readonly method: string;
  readonly url: string;
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
  readonly hasBody: boolean;
  readonly invocationId: string;
}

// Two functions whose templates overlap: the host tries them by name, and the parameter route's
// name sorts first, so it also takes `things/new`.
registerFunction({
  name: 'aaThingById',
  route: 'things/{id}',
  methods: ['GET', 'DELETE'],
  handler: (request, context) => Promise.resolve({ jsonBody: echo('aaThingById', request, context) }),
});
registerFunction({
  name: 'abNewThing',
  route: 'things/new',
  methods: ['GET', 'POST'],
  handler: (request, context) => Promise.resolve({ jsonBody: echo('abNewThing', request, context) }),
});
registerDicomWebRoute({
  name: 'retrieveSeries',
  route: 'studies/{study}/series/{series}',
  methods: ['GET'],
  handler: (request, context, route) =>
    Promise.resolve({ jsonBody: { ...echo('retrieveSeries', request, context), apiVersion: route.apiVersion } }),
});

function echo(
  fn: string,
  request: Parameters<Parameters<typeof registerFunction>[0]['handler']>[0],
  context: { invocationId: string },
): Echo {
  return {
    fn,
    method: request.method,
    url: request.url,
    params: { ...request.params },
    query: Object.fromEntries(request.query),
    hasBody: request.body !== null,
    invocationId: context.invocationId,
  };
}

describe('local host routing', () => {
  let server: HostUnderTest;
  before(async () => {
    server = await startHost();
  });
  after(() => server.close());

  async function getJson(path: string, init?: RequestInit): Promise<{ response: Response; echo: Echo }> {
    const response = await fetch(server.url + path, init);
    assert.equal(response.status, 200, await response.clone().text());
    return { response, echo: (await response.json()) as Echo };
  }

  it('serves a DICOMweb route under v1 and v2 with decoded parameters', async () => {
    for (const version of ['v1', 'v2']) {
      const { echo: e } = await getJson(`/${version}/studies/1.2.3/series/4%205?includefield=all`);
      assert.equal(e.fn, 'retrieveSeries');
      assert.equal(e.apiVersion, version);
      assert.deepEqual(e.params, { study: '1.2.3', series: '4 5' });
      assert.deepEqual(e.query, { includefield: 'all' });
      assert.equal(e.url, `${server.url}/${version}/studies/1.2.3/series/4%205?includefield=all`);
    }
  });

  it('matches in function-name order: a parameter route sorting first beats a literal one', async () => {
    assert.equal((await getJson('/things/new')).echo.fn, 'aaThingById');
    // POST is not allowed on aaThingById, so the host goes on to abNewThing.
    const response = await fetch(`${server.url}/things/new`, { method: 'POST', body: 'x' });
    assert.equal(((await response.json()) as Echo).fn, 'abNewThing');
  });

  it('answers 404 in plain text when no template matches', async () => {
    const response = await fetch(`${server.url}/nothing/here`);
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await response.text(), 'No function matches /nothing/here.');
  });

  it('answers 405 with Allow when templates match but no function takes the method', async () => {
    const response = await fetch(`${server.url}/things/7`, { method: 'PUT', body: 'x' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'DELETE, GET, OPTIONS');
    assert.equal(await response.text(), 'PUT is not allowed on /things/7.');
  });

  it('answers 400 for a malformed escape in a parameter', async () => {
    const response = await fetch(`${server.url}/things/%E0%A4%A`);
    assert.equal(response.status, 400);
  });

  it('sets a fresh x-ms-invocation-id, the one the handler saw', async () => {
    const first = await getJson('/things/1');
    const second = await getJson('/things/1');
    const id = first.response.headers.get('x-ms-invocation-id') ?? '';
    assert.match(id, UUID);
    assert.equal(first.echo.invocationId, id);
    assert.notEqual(second.echo.invocationId, id);
  });

  it('builds the request URL from the Host header', async () => {
    const response = await rawRequest(`${server.url}/things/1?a=b`, { headers: { host: 'dicom.example:8080' } });
    assert.equal((JSON.parse(response.body.toString()) as Echo).url, 'http://dicom.example:8080/things/1?a=b');
  });

  it('ignores a body sent with GET and keeps the connection usable', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // node:http frames a GET body only when told its length.
      const body = 'x'.repeat(100_000);
      const withBody = await rawRequest(`${server.url}/things/1`, {
        body,
        headers: { 'content-length': body.length },
        agent,
      });
      assert.equal((JSON.parse(withBody.body.toString()) as Echo).hasBody, false);
      const next = await rawRequest(`${server.url}/things/2`, { agent });
      assert.deepEqual((JSON.parse(next.body.toString()) as Echo).params, { id: '2' });
    } finally {
      agent.destroy();
    }
  });

  it('gives other methods a body stream', async () => {
    const { echo: e } = await getJson('/things/1', { method: 'DELETE', body: 'x' });
    assert.equal(e.hasBody, true);
    assert.equal(e.method, 'DELETE');
  });
});
