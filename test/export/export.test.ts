/**
 * POST /v{n}/export (docs/export.md): the request checks and their words, the copies in the
 * destination byte for byte, the error log, and the operation's answer while it runs and after.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { hostQueuesOptions } from '../../host/functionsHost/functionsHost';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { stowFiles } from '../support/stowClient';
import { APP_ROOT } from '../support/testServer';

const DESTINATION = 'exportdest';

interface Instance {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
  readonly file: Buffer;
}

function instances(study: string, series: readonly string[], perSeries: number): Instance[] {
  return series.flatMap((seriesUid) =>
    Array.from({ length: perSeries }, () => {
      const sop = newUid();
      const file = makeDicom({ studyInstanceUid: study, seriesInstanceUid: seriesUid, sopInstanceUid: sop });
      return { study, series: seriesUid, sop, file };
    }),
  );
}

async function postExport(baseUrl: string, body: unknown, version = 'v2'): Promise<Response> {
  return fetch(`${baseUrl}/${version}/export`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function exportBody(values: readonly string[], connectionString: string, container = DESTINATION): unknown {
  return {
    source: { type: 'identifiers', settings: { values } },
    destination: { type: 'azureBlob', settings: { connectionString, blobContainerName: container } },
  };
}

interface OperationBody {
  operationId: string;
  type: string;
  status: string;
  percentComplete?: number;
  results?: { exported: number; skipped: number; errorHref: string };
}

/** Polls the operation until it is terminal (200), at most `attempts` times. */
async function settled(href: string, attempts = 600): Promise<OperationBody> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const response = await fetch(href);
    const text = await response.text();
    if (response.status === 200) return JSON.parse(text) as OperationBody;
    assert.equal(response.status, 202, text);
    assert.equal(response.headers.get('location'), href);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`operation ${href} did not finish`);
}

async function readAll(container: ContainerClient, name: string): Promise<Buffer> {
  return container.getBlobClient(name).downloadToBuffer();
}

describe('export', () => {
  const server = useTestServer({
    runQueueTriggers: true,
    queuesOptions: { ...hostQueuesOptions(APP_ROOT), maxPollingIntervalMs: 200 },
  });

  it('copies studies, series and instances byte for byte and logs what it cannot find', async () => {
    const destination = BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient(DESTINATION);
    await destination.createIfNotExists();
    const studyA = instances(newUid(), [newUid(), newUid()], 3);
    const studyB = instances(newUid(), [newUid(), newUid()], 2);
    const studyC = instances(newUid(), [newUid()], 2);
    for (const study of [studyA, studyB, studyC]) {
      const stored = await stowFiles(
        `${server.baseUrl}/v2/studies`,
        study.map((instance) => instance.file),
      );
      assert.equal(stored.status, 200);
    }
    const [b0, c0] = [studyB[0] as Instance, studyC[0] as Instance];
    const missingStudy = newUid();
    const values = [
      studyA[0]?.study ?? '',
      `${b0.study}/${b0.series}`,
      `${c0.study}/${c0.series}/${c0.sop}`,
      missingStudy,
    ];
    const response = await postExport(server.baseUrl, exportBody(values, server.connectionString));
    assert.equal(response.status, 202, await response.clone().text());
    const accepted = (await response.json()) as { id: string; href: string };
    assert.match(accepted.id, /^[0-9a-f]{32}$/);
    assert.equal(accepted.href, `${server.baseUrl}/v2/operations/${accepted.id}`);
    assert.equal(response.headers.get('location'), accepted.href);

    const operation = await settled(accepted.href);
    assert.equal(operation.type, 'export');
    assert.equal(operation.status, 'succeeded');
    // As Azure: an export names no resources, so the field is left out.
    assert.equal('resources' in operation, false);
    const expected = [...studyA, ...studyB.filter((instance) => instance.series === b0.series), c0];
    assert.equal(operation.results?.exported, expected.length);
    assert.equal(operation.results?.skipped, 1);
    assert.equal(operation.results?.errorHref, `${destination.url}/${accepted.id}/errors.log`);

    const names: string[] = [];
    for await (const blob of destination.listBlobsFlat({ prefix: `${accepted.id}/results/` })) names.push(blob.name);
    assert.deepEqual(
      names.sort(),
      expected
        .map((instance) => `${accepted.id}/results/${instance.study}/${instance.series}/${instance.sop}.dcm`)
        .sort(),
    );
    for (const instance of expected) {
      const copy = await readAll(
        destination,
        `${accepted.id}/results/${instance.study}/${instance.series}/${instance.sop}.dcm`,
      );
      assert.ok(copy.equals(instance.file), `${instance.sop} differs from what was stored`);
    }
    const log = (await readAll(destination, `${accepted.id}/errors.log`)).toString('utf8').trim().split('\n');
    assert.equal(log.length, 1);
    const line = JSON.parse(log[0] ?? '{}') as { identifier: string; error: string; timestamp: string };
    assert.equal(line.identifier, missingStudy);
    assert.equal(line.error, 'The specified study cannot be found.');
    assert.ok(!Number.isNaN(Date.parse(line.timestamp)));
  });

  it('answers v1 with completed where v2 says succeeded', async () => {
    const destination = BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient(DESTINATION);
    await destination.createIfNotExists();
    const study = instances(newUid(), [newUid()], 1);
    assert.equal((await stowFiles(`${server.baseUrl}/v1/studies`, [study[0]?.file ?? Buffer.alloc(0)])).status, 200);
    const response = await postExport(
      server.baseUrl,
      exportBody([study[0]?.study ?? ''], server.connectionString),
      'v1',
    );
    assert.equal(response.status, 202);
    const { href } = (await response.json()) as { href: string };
    assert.match(href, /\/v1\/operations\//);
    const operation = await settled(href);
    assert.equal(operation.status, 'completed');
    assert.equal(operation.results?.exported, 1);
  });

  const refused: [string, unknown, number, string][] = [
    ['no source', { destination: { type: 'azureBlob', settings: {} } }, 400, "The field 'source'"],
    [
      'no values',
      { source: { type: 'identifiers', settings: { values: [] } }, destination: { type: 'azureBlob', settings: {} } },
      400,
      "Missing value for property 'Values'.",
    ],
    [
      'a malformed identifier',
      {
        source: { type: 'identifiers', settings: { values: ['1.2.3/../4'] } },
        destination: { type: 'azureBlob', settings: {} },
      },
      400,
      "The string '1.2.3/../4' was not recognized as a valid DICOM identifier.",
    ],
    [
      'an unknown source type',
      { source: { type: 'query', settings: {} }, destination: { type: 'azureBlob', settings: {} } },
      400,
      "The field 'source.type' in request body is invalid",
    ],
    [
      'a connection string without a container',
      {
        source: { type: 'identifiers', settings: { values: ['1.2.3'] } },
        destination: { type: 'AzureBlob', settings: { connectionString: 'UseDevelopmentStorage=true' } },
      },
      400,
      'Please specify both ConnectionString and BlobContainerName.',
    ],
    [
      'a URI together with a connection string',
      {
        source: { type: 'identifiers', settings: { values: ['1.2.3'] } },
        destination: {
          type: 'azureblob',
          settings: {
            blobContainerUri: 'https://a.blob.core.windows.net/c',
            connectionString: 'x',
            blobContainerName: 'c',
          },
        },
      },
      400,
      'ConnectionString and BlobContainerName cannot be specified along with BlobContainerUri.',
    ],
    [
      'an account key',
      {
        source: { type: 'identifiers', settings: { values: ['1.2.3'] } },
        destination: {
          type: 'azureBlob',
          settings: {
            connectionString:
              'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net',
            blobContainerName: 'export',
          },
        },
      },
      400,
      'Account key authentication is not supported.',
    ],
    [
      'a SAS together with the managed identity',
      {
        source: { type: 'identifiers', settings: { values: ['1.2.3'] } },
        destination: {
          type: 'azureBlob',
          settings: { blobContainerUri: 'https://a.blob.core.windows.net/c?sv=1&sig=abc', useManagedIdentity: true },
        },
      },
      400,
      'UseManagedIdentity cannot be specified if the BlobContainerUri container query string parameters.',
    ],
  ];
  for (const [name, body, status, message] of refused) {
    it(`refuses ${name} with ${status}`, async () => {
      const response = await postExport(server.baseUrl, body);
      assert.equal(response.status, status);
      assert.ok((await response.text()).includes(message));
    });
  }

  it('refuses a destination container that does not exist, before accepting the operation', async () => {
    const response = await postExport(
      server.baseUrl,
      exportBody(['1.2.3'], server.connectionString, 'nosuchcontainer'),
    );
    assert.equal(response.status, 400);
    assert.match(
      await response.text(),
      /Azure Blob Storage container 'nosuchcontainer' does not exist in account '[^']+'\./,
    );
  });

  it('refuses a body that is not JSON with 400 and another media type with 415', async () => {
    const notJson = await fetch(`${server.baseUrl}/v2/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"source":',
    });
    assert.equal(notJson.status, 400);
    assert.ok((await notJson.text()).includes('The syntax of the request body is invalid.'));
    const text = await fetch(`${server.baseUrl}/v2/export`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    assert.equal(text.status, 415);
    await text.arrayBuffer();
  });
});
