import assert from 'node:assert/strict';
import http from 'node:http';
import { Blob } from 'node:buffer';
import { Readable } from 'node:stream';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { after, before, describe, it } from 'node:test';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { HttpResponse, type HttpResponseInit } from '@azure/functions';
import { registerFunction } from '../../shared/http/routeTable';
import { rawRequest, startHost, type HostUnderTest } from './hostFixture';

const KiB = 1024;
const MiB = 1024 * KiB;

function route(name: string, respond: () => HttpResponseInit, methods: ('GET' | 'HEAD')[] = ['GET']): void {
  registerFunction({ name, route: `r/${name}`, methods, handler: () => Promise.resolve(respond()) });
}

// Body types a handler may return.
route('text', () => ({ body: 'héllo' }), ['GET', 'HEAD']);
route('bytes', () => ({ body: new Uint8Array([1, 2, 3]), headers: { 'Content-Type': 'application/octet-stream' } }));
route('json', () => ({ jsonBody: { a: 1 }, headers: [['X-Extra', 'yes']] }));
route('nodeStream', () => ({ body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) }));
route('webStream', () => ({ body: Readable.toWeb(Readable.from([Buffer.from('we'), Buffer.from('b')])) }));
route('iterable', () => ({ body: chunks(['it', 'er']) }));
route('blob', () => ({ body: new Blob(['bl', 'ob'], { type: 'text/x-blob' }) }));
route('noContent', () => ({ status: 204, body: 'dropped' }));
route('cookie', () => ({ cookies: [{ name: 'k', value: 'v 1', path: '/', httpOnly: true }] }));
route(
  'classResponse',
  () => new HttpResponse({ status: 201, jsonBody: { made: 'by class' }, headers: { 'X-A': 'b' } }),
);
route('hopByHop', () => ({ body: 'x', headers: { Connection: 'close', 'Transfer-Encoding': 'gzip' } }));

async function* chunks(parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    await nextTurn(); // a real source waits for its data
    yield Buffer.from(part);
  }
}

// A source that makes 64 KiB chunks only when asked, counting what it made.
let produced = 0;
route('endless', () => {
  produced = 0;
  return {
    body: new Readable({
      read() {
        produced += 64 * KiB;
        this.push(Buffer.alloc(64 * KiB, 1));
      },
    }),
  };
});

// Sources that record being stopped when the client goes away.
const stopped = { node: false, web: false, iterable: false };
route('disconnectNode', () => ({
  body: new Readable({
    read() {
      this.push(Buffer.alloc(16 * KiB));
    },
    destroy(error, callback) {
      stopped.node = true;
      callback(error);
    },
  }),
}));
route('disconnectWeb', () => ({
  body: new WebReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(new Uint8Array(16 * KiB)),
    cancel: () => void (stopped.web = true),
  }),
}));
route('disconnectIterable', () => ({
  body: (async function* () {
    try {
      for (;;) {
        await nextTurn();
        yield Buffer.alloc(16 * KiB);
      }
    } finally {
      stopped.iterable = true;
    }
  })(),
}));

// Failures in the body source, before and after the first byte.
route('failsFirst', () => ({
  body: new Readable({
    read() {
      this.destroy(new Error('source broke before any byte'));
    },
  }),
}));
route('failsLater', () => ({
  body: (async function* () {
    yield Buffer.from('partial');
    await delay(10);
    throw new Error('source broke mid-body');
  })(),
}));
route('badHeader', () => ({ body: 'x', headers: { 'X-Bad': 'line\nbreak' } }));

describe('response bodies', () => {
  let server: HostUnderTest;
  before(async () => {
    server = await startHost();
  });
  after(() => server.close());

  const get = (name: string, method = 'GET'): Promise<Response> => fetch(`${server.url}/r/${name}`, { method });

  it('sends a string with Content-Length and fetch’s default text type', async () => {
    const response = await get('text');
    assert.equal(response.headers.get('content-type'), 'text/plain;charset=UTF-8');
    assert.equal(response.headers.get('content-length'), '6');
    assert.equal(await response.text(), 'héllo');
  });

  it('answers HEAD with the headers alone', async () => {
    const response = await rawRequest(`${server.url}/r/text`, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-length'], '6');
    assert.equal(response.body.length, 0);
  });

  it('sends bytes, JSON with its type and extra headers', async () => {
    const bytes = await get('bytes');
    assert.deepEqual(new Uint8Array(await bytes.arrayBuffer()), new Uint8Array([1, 2, 3]));
    assert.equal(bytes.headers.get('content-type'), 'application/octet-stream');
    const json = await get('json');
    assert.equal(json.headers.get('content-type'), 'application/json');
    assert.equal(json.headers.get('x-extra'), 'yes');
    assert.deepEqual(await json.json(), { a: 1 });
  });

  it('streams Node Readables, web ReadableStreams, async iterables and Blobs', async () => {
    assert.equal(await (await get('nodeStream')).text(), 'abcd');
    assert.equal(await (await get('webStream')).text(), 'web');
    assert.equal(await (await get('iterable')).text(), 'iter');
    const blob = await get('blob');
    assert.equal(blob.headers.get('content-type'), 'text/x-blob');
    assert.equal(blob.headers.get('content-length'), '4');
    assert.equal(await blob.text(), 'blob');
  });

  it('sends the library’s own HttpResponse too', async () => {
    const response = await get('classResponse');
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-a'), 'b');
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(await response.json(), { made: 'by class' });
  });

  it('drops the body of a 204, serializes cookies and ignores hop-by-hop headers', async () => {
    const noContent = await rawRequest(`${server.url}/r/noContent`);
    assert.equal(noContent.status, 204);
    assert.equal(noContent.body.length, 0);
    const cookie = await rawRequest(`${server.url}/r/cookie`);
    assert.deepEqual(cookie.headers['set-cookie'], ['k=v%201; Path=/; HttpOnly']);
    const hop = await rawRequest(`${server.url}/r/hopByHop`);
    assert.equal(hop.headers.connection, 'keep-alive');
    assert.equal(hop.headers['transfer-encoding'], undefined);
    assert.equal(hop.body.toString(), 'x');
  });

  it('produces no faster than a paused client reads (backpressure)', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve) => http.get(`${server.url}/r/endless`, resolve));
    res.pause();
    await delay(300);
    const whilePaused = produced;
    await delay(300);
    assert.ok(whilePaused > 0);
    assert.equal(produced, whilePaused, 'the source kept producing while the client was paused');
    // Socket buffers on both sides hold a few MB at most; without backpressure this would be GBs.
    assert.ok(whilePaused < 32 * MiB, `produced ${whilePaused / MiB} MB while paused`);
    res.destroy();
  });

  for (const kind of ['node', 'web', 'iterable'] as const) {
    it(`stops a ${kind} source when the client disconnects`, async () => {
      const name = `disconnect${kind[0]?.toUpperCase()}${kind.slice(1)}`;
      const res = await new Promise<http.IncomingMessage>((resolve) => http.get(`${server.url}/r/${name}`, resolve));
      await new Promise((resolve) => res.once('data', resolve));
      res.destroy();
      for (let i = 0; i < 100 && !stopped[kind]; i++) await delay(10);
      assert.equal(stopped[kind], true);
    });
  }

  it('answers 500 through the error mapping when the source fails before the first byte', async () => {
    const response = await get('failsFirst');
    assert.equal(response.status, 500);
    const id = response.headers.get('x-ms-invocation-id') ?? '';
    assert.equal(await response.text(), `An internal error occurred. Reference: ${id}`);
    assert.ok(server.logs.some((line) => line.includes(id) && line.includes('source broke before any byte')));
  });

  it('closes the connection when the source fails after the headers went out', async () => {
    const response = await get('failsLater');
    assert.equal(response.status, 200);
    await assert.rejects(response.text());
    assert.ok(server.logs.some((line) => line.includes('after the headers were sent') && line.includes('mid-body')));
  });

  it('answers 500 for a header value node:http refuses', async () => {
    const response = await get('badHeader');
    assert.equal(response.status, 500);
    assert.equal(response.headers.get('x-bad'), null);
  });
});
