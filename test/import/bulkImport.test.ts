/**
 * Bulk import (docs/import.md) over the local host and a real Azurite: files written straight to
 * the import container are stored as STOW stores them, searchable, retrievable byte for byte, and
 * removed; bad files end in the error container with a reason and on the error queue.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom, newUid } from '../support/dicomFactory';
import { startTestServer, type TestServer } from '../support/testServer';
import { firstValue } from '../support/stowClient';
import { blobNames, dropFiles, errorMessages, importContainers, importUntilEmpty } from './importSupport';

const STUDIES = 10;
const PER_STUDY = 100;
// 64 MiB less one row: the factory writes one frame, at most 65,535 rows of 512 16-bit columns.
const LARGE_BYTES = 64 * 1024 * 1024 - 1024;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('bulk import', () => {
  // Small runs, so that 1,000 files take several (bounded) runs; a request limit below the large file.
  let server: TestServer;
  const studies = Array.from({ length: STUDIES }, () => newUid());
  const large = { study: newUid(), sop: newUid() };
  let largeFile: Buffer;
  let runs = 0;

  before(async () => {
    server = await startTestServer({
      env: { DICOM_IMPORT_MAX_FILES_PER_RUN: '400', DICOM_MAX_REQUEST_BYTES: String(16 * 1024 * 1024) },
    });
    const { imports } = importContainers(server.connectionString);
    const files = new Map<string, Buffer>();
    studies.forEach((study, s) => {
      const series = newUid();
      for (let i = 0; i < PER_STUDY; i += 1) {
        files.set(`batch/study-${s}/file-${i}.dcm`, makeDicom({ studyInstanceUid: study, seriesInstanceUid: series }));
      }
    });
    largeFile = makeDicom({ studyInstanceUid: large.study, sopInstanceUid: large.sop, pixelDataBytes: LARGE_BYTES });
    files.set('large.dcm', largeFile);
    files.set('bad/not-dicom.txt', Buffer.from('hello, not a DICOM file\n'));
    files.set('bad/missing-uids.dcm', makeDicom({ elements: [{ tag: '00080018', vr: 'UI', value: '' }] }));
    files.set('bad/truncated.dcm', makeDicom({ pixelDataBytes: 8192 }).subarray(0, 4000));
    files.set('bad/empty.dcm', Buffer.alloc(0));
    await dropFiles(imports, files);
    runs = await importUntilEmpty(server.functionsHost, imports);
  });
  after(() => server.stop());

  it('imports 1,000 small files in bounded runs; each is searchable once', async () => {
    assert.ok(runs >= 3, `${runs} runs: at most 400 files each`);
    for (const study of studies) {
      const response = await fetch(`${server.baseUrl}/v2/studies/${study}/instances?limit=200`);
      assert.equal(response.status, 200);
      const found = (await response.json()) as DicomJsonDataset[];
      assert.equal(found.length, PER_STUDY);
      assert.equal(new Set(found.map((d) => firstValue(d, Tag.SOPInstanceUID))).size, PER_STUDY);
    }
  });

  it('imports a file larger than the STOW request limit, byte for byte', async () => {
    // STOW refuses it, and its answer points at bulk import.
    const stow = await fetch(`${server.baseUrl}/v2/studies`, {
      method: 'POST',
      headers: { 'content-type': 'application/dicom' },
      body: new Uint8Array(largeFile.subarray(0, 17 * 1024 * 1024)),
    });
    assert.equal(stow.status, 413);
    assert.match(await stow.text(), /bulk import/);
    const response = await fetch(`${server.baseUrl}/v2/studies/${large.study}/instances`);
    assert.equal(response.status, 200);
    const [instance] = (await response.json()) as DicomJsonDataset[];
    const series = firstValue(instance, Tag.SeriesInstanceUID) as string;
    const retrieved = await fetch(
      `${server.baseUrl}/v2/studies/${large.study}/series/${series}/instances/${large.sop}`,
      {
        headers: { accept: 'application/dicom; transfer-syntax=*' },
      },
    );
    assert.equal(retrieved.status, 200);
    assert.equal(sha256(Buffer.from(await retrieved.arrayBuffer())), sha256(largeFile));
  });

  it('moves bad files to the error container with a reason, and says so on the error queue', async () => {
    const { imports, errors } = importContainers(server.connectionString);
    assert.deepEqual(await blobNames(imports), []);
    const bad = ['bad/empty.dcm', 'bad/missing-uids.dcm', 'bad/not-dicom.txt', 'bad/truncated.dcm'];
    assert.deepEqual(await blobNames(errors), bad.flatMap((name) => [name, `${name}.error.json`]).sort());
    for (const name of bad) {
      const record = JSON.parse((await errors.getBlobClient(`${name}.error.json`).downloadToBuffer()).toString()) as {
        file: string;
        reason: string;
        failureReason?: number;
      };
      assert.equal(record.file, name);
      assert.ok(record.reason.length > 0, name);
      if (name !== 'bad/empty.dcm') assert.equal(record.failureReason, 43264, name);
      const properties = await errors.getBlobClient(name).getProperties();
      assert.ok(decodeURIComponent(properties.metadata?.importerror ?? '').length > 0, name);
    }
    const messages = await errorMessages(server.connectionString);
    assert.deepEqual(messages.map((m) => m.file).sort(), bad);
  });

  it('removes a file whose instance is already stored, without calling it an error', async () => {
    const { imports, errors } = importContainers(server.connectionString);
    const before = await blobNames(errors);
    await dropFiles(imports, new Map([['again/large.dcm', largeFile]]));
    await importUntilEmpty(server.functionsHost, imports);
    assert.deepEqual(await blobNames(errors), before);
    assert.deepEqual(await errorMessages(server.connectionString), []);
  });
});
