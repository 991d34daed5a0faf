// A STOW's trace as Application Insights receives it: the request, and each storage call as a
// dependency of it with its partition. The real exporter posts to a local ingestion endpoint.
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { runningTelemetry } from '../../shared/telemetry/telemetrySetup';
import { makeDicom, newUid } from '../support/dicomFactory';
import { selfSignedCertificate } from '../support/selfSignedCertificate';
import { stowParts } from '../support/stowClient';
import { startTestServer, type TestServer } from '../support/testServer';

interface Envelope {
  readonly name: string;
  readonly tags: Record<string, string>;
  readonly data: { baseType: string; baseData: Record<string, unknown> & { properties?: Record<string, string> } };
}

let server: TestServer;
let ingestion: https.Server;
const envelopes: Envelope[] = [];

before(async () => {
  // The exporter always speaks HTTPS (it rewrites http:// endpoints), so the stand-in ingestion
  // endpoint has a throwaway certificate that this test process alone is told to accept.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  ingestion = https.createServer(selfSignedCertificate(), (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
      if (request.url?.endsWith('/track')) envelopes.push(...parseEnvelopes(text));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ itemsReceived: 0, itemsAccepted: 0, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => ingestion.listen(0, '127.0.0.1', resolve));
  const address = ingestion.address() as { port: number };
  server = await startTestServer({
    env: {
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://127.0.0.1:${address.port}/`,
    },
  });
});

after(async () => {
  await runningTelemetry()?.shutdown();
  await server.stop();
  ingestion.close();
});

function parseEnvelopes(text: string): Envelope[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as Envelope[];
  return trimmed.split('\n').map((line) => JSON.parse(line) as Envelope);
}

test('a STOW is one request with each of its storage calls as a dependency, partitions included', async () => {
  const study = newUid();
  const sop = newUid();
  const reply = await stowParts(`${server.baseUrl}/v2/studies`, [
    { body: makeDicom({ studyInstanceUid: study, sopInstanceUid: sop }) },
  ]);
  assert.equal(reply.status, 200);
  const telemetry = runningTelemetry();
  assert.ok(telemetry, 'the connection string turned telemetry on');
  // Trailing work (the pending marker's removal) finishes shortly after the answer.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await telemetry.flush();

  const request = envelopes.find(
    (e) => e.data.baseType === 'RequestData' && e.data.baseData.properties?.['dicom.transaction'] === 'storeInstances',
  );
  assert.ok(request, `a request envelope among ${envelopes.map((e) => e.data.baseType).join(', ')}`);
  assert.equal(request.data.baseData.responseCode, '200');
  assert.equal(request.data.baseData.name, 'POST v2/studies');
  assert.ok(Number(request.data.baseData.properties?.['http.request.body.size']) > 0);
  const operationId = request.tags['ai.operation.id'];
  const requestId = request.data.baseData.id;

  const dependencies = envelopes.filter(
    (e) => e.data.baseType === 'RemoteDependencyData' && e.tags['ai.operation.id'] === operationId,
  );
  assert.ok(
    dependencies.every((d) => d.tags['ai.operation.parentId'] === requestId),
    'every call is a child of the request',
  );
  const calls = dependencies.map((d) => d.data.baseData.properties ?? {});
  const find = (operation: string, target: RegExp) =>
    calls.find((p) => p['dicom.storage.operation'] === operation && target.test(p['dicom.storage.target'] ?? ''));

  const upload = calls.find(
    (p) => p['dicom.storage.service'] === 'blob' && /^put/.test(p['dicom.storage.operation'] ?? ''),
  );
  assert.ok(upload, 'the file upload');
  assert.match(
    upload['dicom.storage.partition'] ?? '',
    new RegExp(`^${study.replaceAll('.', '\\.')}/.+/${sop.replaceAll('.', '\\.')}/`),
  );
  assert.equal(find('insertEntity', /Instances$/)?.['dicom.storage.partition'] !== undefined, true);
  const feed = find('batch', /ChangeFeed$/);
  assert.equal(feed?.['dicom.storage.partition'], 'feed');
  assert.ok(Number(feed?.['dicom.storage.entity_writes']) >= 2);
  const index = calls.find((p) => /Ix[A-Z]/.test(p['dicom.storage.target'] ?? ''));
  assert.equal(
    index?.['dicom.storage.partition'],
    '(index value)',
    'search-index keys (patient data) are never recorded',
  );
  assert.ok(
    calls.some((p) => p['dicom.storage.partition']?.startsWith('~pending-') === true),
    'the pending marker, written and removed in the request trace',
  );
});

test("the events publisher's queue messages are dependencies of its own span, named by their queue", async () => {
  const reply = await stowParts(`${server.baseUrl}/v2/studies`, [{ body: makeDicom({}) }]);
  assert.equal(reply.status, 200);
  const telemetry = runningTelemetry();
  assert.ok(telemetry);
  // The publisher runs a moment after the commit (a nudge), after the answer.
  const isSend = (e: Envelope) =>
    e.data.baseType === 'RemoteDependencyData' &&
    e.data.baseData.properties?.['dicom.storage.operation'] === 'putMessage' &&
    e.data.baseData.properties['dicom.storage.target'] === 'dicom-events';
  for (let i = 0; i < 50 && !envelopes.some(isSend); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await telemetry.flush();
  }
  const send = envelopes.find(isSend);
  assert.ok(send, 'a message sent to the events queue');
  const properties = send.data.baseData.properties ?? {};
  assert.equal(properties['dicom.storage.service'], 'queue');
  assert.equal(properties['dicom.storage.partition'], 'dicom-events');
  assert.equal(send.data.baseData.resultCode, '201', 'the status, as the result code');
  assert.ok(Number(properties['http.request.body.size']) > 0);
  const parent = envelopes.find((e) => e.data.baseData.id === send.tags['ai.operation.parentId']);
  assert.equal(parent?.data.baseData.name, 'publish DICOM events');
});
