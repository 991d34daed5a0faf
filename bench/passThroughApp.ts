/**
 * A bench-only Functions app, never deployed: one HTTP function that makes a whole-study
 * retrieve's storage calls with the raw SDK (bench/rawStudyCalls.ts) and streams the files to the
 * client as multipart/related, with no DICOM work at all. On the same local host as the server it
 * costs what the platform and the HTTP delivery cost; the server's rate divided by this one is the
 * share of the time that is the server's own (bench/studyEfficiency.ts).
 */
import { Readable } from 'node:stream';
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { RawStudyCalls } from './rawStudyCalls';

const BOUNDARY = 'pass-through-boundary';

let calls: RawStudyCalls | undefined;

async function* multipart(raw: RawStudyCalls, names: readonly string[]): AsyncGenerator<Buffer> {
  for await (const body of raw.bodies(names)) {
    yield Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1');
    for await (const chunk of body) yield chunk;
    yield Buffer.from('\r\n', 'latin1');
  }
  yield Buffer.from(`--${BOUNDARY}--\r\n`, 'latin1');
}

async function passThrough(request: HttpRequest): Promise<HttpResponseInit> {
  calls ??= new RawStudyCalls(process.env.DICOM_STORAGE_CONNECTION_STRING ?? '');
  const study = request.params.study ?? '';
  const names = await calls.filesOf(study);
  const visible = await calls.countVisible(study);
  if (names.length === 0 || visible !== names.length) return { status: 404 };
  return {
    status: 200,
    headers: { 'Content-Type': `multipart/related; type="application/dicom"; boundary=${BOUNDARY}` },
    body: Readable.from(multipart(calls, names)),
  };
}

app.setup({ enableHttpStream: true });
app.http('passThroughStudy', {
  route: 'pass-through/studies/{study}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: passThrough,
});
