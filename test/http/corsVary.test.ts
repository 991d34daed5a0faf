// Vary: Origin on every answer while CORS lists origins, so no cache hands one origin's answer to another.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import { parseCorsConfig, preflightResponse, withCorsHeaders, type CorsConfig } from '../../shared/http/cors';

const VIEWER = 'https://viewer.example.org';

function cors(raw: string): CorsConfig {
  const problems: string[] = [];
  const config = parseCorsConfig(raw, problems);
  assert.deepEqual(problems, []);
  return config;
}

function request(origin?: string): HttpRequest {
  return new HttpRequest({
    method: 'GET',
    url: 'http://localhost/v2/studies',
    headers: origin === undefined ? {} : { origin },
  });
}

function headersOf(response: HttpResponseInit): Headers {
  return new Headers(response.headers);
}

const ANSWER: HttpResponseInit = { status: 200, headers: { 'Content-Type': 'application/dicom+json' } };

test('with a list of origins, allowed, refused and absent origins all get Vary: Origin', () => {
  const list = cors(`${VIEWER},https://other.example.org`);
  for (const origin of [VIEWER, 'https://evil.example.com', undefined]) {
    const headers = headersOf(withCorsHeaders(request(origin), ANSWER, list));
    assert.equal(headers.get('vary'), 'Origin', String(origin));
    assert.equal(headers.get('access-control-allow-origin'), origin === VIEWER ? VIEWER : null, String(origin));
    assert.equal(headers.get('content-type'), 'application/dicom+json');
  }
});

test('Vary: Origin joins a Vary the answer already has, once', () => {
  const list = cors(VIEWER);
  const withVary: HttpResponseInit = { status: 200, headers: { Vary: 'Accept-Encoding' } };
  assert.equal(headersOf(withCorsHeaders(request(VIEWER), withVary, list)).get('vary'), 'Accept-Encoding, Origin');
  assert.equal(
    headersOf(withCorsHeaders(request('https://x.org'), withVary, list)).get('vary'),
    'Accept-Encoding, Origin',
  );
  const already: HttpResponseInit = { status: 200, headers: { Vary: 'origin' } };
  assert.equal(headersOf(withCorsHeaders(request(VIEWER), already, list)).get('vary'), 'origin');
});

test('error answers carry it too', () => {
  const error: HttpResponseInit = { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'not found' };
  const response = withCorsHeaders(request('https://evil.example.com'), error, cors(VIEWER));
  assert.equal(response.status, 404);
  assert.equal(response.body, 'not found');
  assert.equal(headersOf(response).get('vary'), 'Origin');
});

test('with `*` or no CORS the answer does not depend on Origin: no Vary added', () => {
  const any = headersOf(withCorsHeaders(request(VIEWER), ANSWER, cors('*')));
  assert.equal(any.get('access-control-allow-origin'), '*');
  assert.equal(any.get('vary'), null);
  assert.equal(withCorsHeaders(request(VIEWER), ANSWER, cors('')), ANSWER);
  assert.equal(withCorsHeaders(request(), ANSWER, cors('*')), ANSWER);
});

test('preflights: Vary: Origin whether the origin is allowed or not', () => {
  const list = cors(VIEWER);
  for (const origin of [VIEWER, 'https://evil.example.com']) {
    const preflight = new HttpRequest({
      method: 'OPTIONS',
      url: 'http://localhost/v2/studies',
      headers: { origin, 'access-control-request-method': 'GET' },
    });
    assert.equal(headersOf(preflightResponse(preflight, ['GET'], list)).get('vary'), 'Origin', origin);
  }
});
