/**
 * A bench-only Functions app, never deployed, with no DICOM code at all: on the same local host as
 * the server it costs what the platform, the HTTP delivery and the storage calls cost, and the
 * server's rate divided by its rate is the share of the time that is the server's own.
 * - GET pass-through/studies/{study}: a whole-study retrieve's storage calls with the raw SDK
 *   (bench/rawStudyCalls.ts), the files streamed to the client as multipart/related
 *   (bench/studyEfficiency.ts);
 * - POST pass-through/studies: a STOW request's multipart body split into files by the server's own
 *   multipart reader, and a STOW's storage calls made for them with the raw SDK as they arrive
 *   (bench/rawStowCalls.ts), under fresh UIDs since nothing reads the files
 *   (bench/stowEfficiency.ts).
 */
import { Readable } from 'node:stream';
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { RawStudyCalls, type StudyFile } from './rawStudyCalls';
import { RawStowCalls } from './rawStowCalls';
import { newUid } from '../test/support/dicomFactory';
import { parseMediaType } from '../shared/http/mediaType';
import { boundaryFromContentType } from '../shared/multipart/boundary';
import { readMultipart } from '../shared/multipart/multipartReader';
import {
  multipartBody,
  multipartContentType,
  multipartLength,
  newBoundary,
  type OutgoingPart,
} from '../shared/retrieve/multipartWriter';

let calls: RawStudyCalls | undefined;
let stowCalls: Promise<RawStowCalls> | undefined;
const connectionString = (): string => process.env.DICOM_STORAGE_CONNECTION_STRING ?? '';

const DICOM = 'application/dicom';

/** The files as multipart, framed by the server's own writer (the framing is the protocol, not DICOM work). */
function parts(raw: RawStudyCalls, files: readonly StudyFile[]): AsyncIterable<OutgoingPart> {
  return (async function* () {
    for await (const body of raw.bodies(files)) yield { contentType: DICOM, body };
  })();
}

async function passThrough(request: HttpRequest): Promise<HttpResponseInit> {
  calls ??= new RawStudyCalls(connectionString());
  const study = request.params.study ?? '';
  const files = await calls.filesOf(study);
  const visible = await calls.countVisible(study);
  if (files.length === 0 || visible !== files.length) return { status: 404 };
  const boundary = newBoundary();
  // As the server does for stored files: the length known from the sizes, so no hop uses chunked framing.
  const length = multipartLength(
    files.map((file) => ({ contentType: DICOM, bytes: file.bytes })),
    boundary,
  );
  return {
    status: 200,
    headers: { 'Content-Type': multipartContentType(DICOM, boundary), 'Content-Length': String(length) },
    body: Readable.from(multipartBody(parts(calls, files), boundary)),
  };
}

async function passThroughStore(request: HttpRequest): Promise<HttpResponseInit> {
  const mediaType = parseMediaType(request.headers.get('content-type'));
  if (!mediaType || !request.body) return { status: 400 };
  stowCalls ??= RawStowCalls.create(connectionString(), 'passThrough');
  const stow = await (await stowCalls).begin(newUid());
  const series = [newUid(), newUid()];
  let count = 0;
  const body = Readable.fromWeb(request.body as import('node:stream/web').ReadableStream<Uint8Array>);
  for await (const part of readMultipart(body, boundaryFromContentType(mediaType), { maxParts: 10_000 })) {
    // Held whole, as the raw side's: one Put Blob needs its length up front (the server's own call for these sizes).
    const chunks: Buffer[] = [];
    for await (const chunk of part.body) chunks.push(chunk as Buffer);
    await stow.add({ sop: newUid(), series: series[count % 2] ?? '', bytes: Buffer.concat(chunks) });
    count += 1;
  }
  await stow.finish(series);
  return { status: 200, jsonBody: { stored: count } };
}

app.setup({ enableHttpStream: true });
app.http('passThroughStudy', {
  route: 'pass-through/studies/{study}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: passThrough,
});
app.http('passThroughStore', {
  route: 'pass-through/studies',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: passThroughStore,
});
