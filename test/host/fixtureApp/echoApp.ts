/**
 * A small app for the host tests, registered the way the real one is (app.setup, then the route
 * table through app.http): functions that echo what they received, stream counted bytes, fail
 * on purpose or take their time.
 */
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { Readable } from 'node:stream';
import { registerHttpFunctions, registerPlainRoute } from '../../../shared/http/routeTable';
import { probes } from './probes';

app.setup({ enableHttpStream: true });

registerPlainRoute({
  functionName: 'echo',
  route: 'things/{id}',
  methods: ['GET', 'POST'],
  handler: async (request, context, params) => {
    const startedAfterLastPart = probes.lastPartSent;
    const bytes = request.body ? (await request.arrayBuffer()).byteLength : 0;
    return {
      jsonBody: {
        params,
        rawParams: { ...request.params },
        query: Object.fromEntries(request.query),
        headers: headersOf(request),
        url: request.url,
        method: request.method,
        bytes,
        startedAfterLastPart,
        invocationId: context.invocationId,
      },
    };
  },
});

registerPlainRoute({
  functionName: 'stream',
  route: 'stream/{mode}',
  methods: ['GET'],
  handler: (request, _context, params) => Promise.resolve(streamed(params.mode ?? 'ok', request)),
});

registerPlainRoute({
  functionName: 'slow',
  route: 'slow',
  methods: ['GET'],
  handler: async (request) => {
    await new Promise((resolve) => setTimeout(resolve, Number(request.query.get('ms') ?? '0')));
    return { status: 200, body: 'done' };
  },
});

registerHttpFunctions();

// A timer that only counts its runs, and never overlaps itself (see timers.test.ts).
app.timer('tick', {
  schedule: '*/1 * * * * *',
  handler: async () => {
    probes.ticks += 1;
    probes.activeTicks += 1;
    probes.maxActiveTicks = Math.max(probes.maxActiveTicks, probes.activeTicks);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    probes.activeTicks -= 1;
  },
});

const CHUNK = 64 * 1024;

function headersOf(request: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  return headers;
}

const FAIL_LATER_DELAY_MS = 500;

/** `total` bytes in 64 KiB chunks; probes.pulled counts what the sender has taken so far. */
function streamed(mode: string, request: HttpRequest): HttpResponseInit {
  const total = Number(request.query.get('bytes') ?? String(CHUNK));
  probes.pulled = 0;
  probes.sourceClosed = false;
  let sent = 0;
  const source = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (mode === 'fail-first') {
        this.destroy(new Error('the source failed before its first byte'));
        return;
      }
      if (mode === 'fail-later' && sent >= 64 * CHUNK) {
        // Fails a moment later: the invocation's failure and the response's headers race to the
        // host (a failure reported first is a 500, as on Azure), and this case is about the later.
        setTimeout(() => this.destroy(new Error('the source failed mid-body')), FAIL_LATER_DELAY_MS);
        return;
      }
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(CHUNK, total - sent);
      sent += size;
      probes.pulled = sent;
      this.push(Buffer.alloc(size, 0x61));
    },
  });
  source.once('close', () => (probes.sourceClosed = true));
  return { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: source };
}
