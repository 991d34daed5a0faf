// The Functions host's rules as the local host applies them (host/functionsHost/hostRules.ts),
// seen from a client, with the fixture app registered through app.http.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { probes } from './fixtureApp/probes';
import { rawRequest, startFixtureHost, type HostUnderTest } from './hostHarness';

interface Echo {
  readonly params: Record<string, string>;
  readonly rawParams: Record<string, string>;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly url: string;
  readonly bytes: number;
  readonly startedAfterLastPart: boolean;
}

const HOST_BODY_LIMIT = 1024 * 1024;

describe('local Functions host rules', () => {
  let server: HostUnderTest;
  before(async () => {
    process.env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT = String(HOST_BODY_LIMIT);
    process.env.CORS_ALLOWED_ORIGINS = '["https://portal.azure.com"]';
    server = await startFixtureHost();
  });
  after(() => server.close());

  async function echo(path: string, init?: RequestInit): Promise<Echo> {
    const response = await fetch(server.url + path, init);
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as Echo;
  }

  it('merges query parameters into request.params as the host does; the app reads only route values', async () => {
    const e = await echo('/things/abc?Id=from-query&x=1&code=secret');
    // The key keeps the query's case, the value is the route's (GetRequestBindingData).
    assert.deepEqual(e.rawParams, { Id: 'abc', x: '1' });
    assert.deepEqual(e.params, { id: 'abc' });
    assert.deepEqual(e.query, { Id: 'from-query', x: '1', code: 'secret' });
    assert.equal(e.url, `${server.url}/things/abc?Id=from-query&x=1&code=secret`);
  });

  it('joins repeated headers with a comma and hands the invocation id back', async () => {
    const reply = await rawRequest(`${server.url}/things/a`, { headers: { 'X-Multi': ['one', 'two'] } });
    assert.equal(reply.status, 200);
    assert.equal((JSON.parse(reply.body.toString()) as Echo).headers['x-multi'], 'one,two');
    assert.match(String(reply.headers['x-ms-invocation-id']), /^[0-9a-f-]{36}$/);
  });

  it('answers 414 for a request line over 8 KB, before any function runs', async () => {
    const reply = await rawRequest(`${server.url}/things/${'a'.repeat(8200)}`);
    assert.equal(reply.status, 414);
  });

  it('answers a bare 404 for a path no function takes, and 200 on admin/warmup', async () => {
    const missing = await rawRequest(`${server.url}/nothing/here`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.length, 0);
    const warmup = await rawRequest(`${server.url}/admin/warmup`);
    assert.equal(warmup.status, 200);
  });

  it('reads a body with a Content-Length whole before the function starts', async () => {
    probes.lastPartSent = false;
    const body = Buffer.alloc(64 * 1024, 1);
    const e = await sendInTwoParts('/things/a', body, { 'Content-Length': String(body.length) });
    assert.equal(e.bytes, body.length);
    assert.equal(e.startedAfterLastPart, true);
  });

  it('streams a chunked body: the function starts before the upload ends', async () => {
    probes.lastPartSent = false;
    const e = await sendInTwoParts('/things/a', Buffer.alloc(64 * 1024, 1), {});
    assert.equal(e.bytes, 64 * 1024);
    assert.equal(e.startedAfterLastPart, false);
  });

  it('answers a bare 500 for a Content-Length over FUNCTIONS_REQUEST_BODY_SIZE_LIMIT', async () => {
    const reply = await rawRequest(`${server.url}/things/a`, {
      method: 'POST',
      body: Buffer.alloc(HOST_BODY_LIMIT + 1),
    });
    assert.equal(reply.status, 500);
    assert.equal(reply.body.length, 0);
  });

  it('stops a chunked body at the limit with 413', async () => {
    const reply = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/things/a`, { method: 'POST' });
      req.once('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      for (let i = 0; i < 20; i++) req.write(Buffer.alloc(HOST_BODY_LIMIT / 8));
      req.end();
    });
    assert.equal(reply, 413);
  });

  it('answers CORS preflights itself when the platform CORS_ALLOWED_ORIGINS is set', async () => {
    const preflight = (origin: string) =>
      rawRequest(`${server.url}/things/a`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
    const allowed = await preflight('https://portal.azure.com');
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://portal.azure.com');
    const other = await preflight('https://viewer.example');
    assert.equal(other.status, 204);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  /** Sends the body in two halves, setting probes.lastPartSent just before the second. */
  function sendInTwoParts(path: string, body: Buffer, headers: Record<string, string>): Promise<Echo> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${server.url}${path}`, { method: 'POST', headers });
      req.once('error', reject);
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as Echo));
      });
      const half = body.length / 2;
      req.write(body.subarray(0, half));
      setTimeout(() => {
        probes.lastPartSent = true;
        req.end(body.subarray(half));
      }, 300);
    });
  }
});
