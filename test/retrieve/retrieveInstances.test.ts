// WADO-RS Retrieve Study/Series/Instance: the tutorials' requests, byte-exact round trips and errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeDicom, newUid } from '../support/dicomFactory';
import { readFixture, TUTORIAL } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import { getString } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { stowFiles } from '../support/stowClient';
import { asStored, get, parseDicom, readParts, store, withUid } from './retrieveSupport';

const ANY_SYNTAX_MULTIPART = 'multipart/related; type="application/dicom"; transfer-syntax=*';
const RICH_UID = '2.25.329800735698586629295641978511506172919';
const MULTIFRAME_UID = '2.25.329800735698586629295641978511506172938';
const JPEG_UID = [TUTORIAL.blueCircle.sopUid, TUTORIAL.blueCircle.sopUid.replace(/114$/, '721')] as const;

/** Fixtures of several transfer syntaxes, each under its own SOP UID where a group shares one. */
const ROUND_TRIPS = [
  { file: 'rich-implicit-le.dcm', syntax: '1.2.840.10008.1.2', uid: [RICH_UID, RICH_UID.replace(/919$/, '701')] },
  { file: 'rich-explicit-be.dcm', syntax: '1.2.840.10008.1.2.2', uid: [RICH_UID, RICH_UID.replace(/919$/, '702')] },
  { file: 'rich-explicit-le.dcm', syntax: '1.2.840.10008.1.2.1', uid: [RICH_UID, RICH_UID.replace(/919$/, '703')] },
  { file: 'rich-deflated.dcm', syntax: '1.2.840.10008.1.2.1.99', uid: undefined },
  // Made from the tutorial's blue circle: same SOP UID.
  { file: 'jpeg-baseline.dcm', syntax: '1.2.840.10008.1.2.4.50', uid: JPEG_UID },
  { file: 'multiframe-native.dcm', syntax: '1.2.840.10008.1.2.1', uid: undefined },
  {
    file: 'multiframe-rle-nobot.dcm',
    syntax: '1.2.840.10008.1.2.5',
    uid: [MULTIFRAME_UID, MULTIFRAME_UID.replace(/938$/, '711')],
  },
] as const;

function fixture(file: string, uid: readonly [string, string] | undefined): Buffer {
  const bytes = readFixture(file);
  return uid ? withUid(bytes, uid[0], uid[1]) : bytes;
}

function instanceUrl(base: string, study: string, series: string, sop: string): string {
  return `${base}/v2/studies/${study}/series/${series}/instances/${sop}`;
}

describe('WADO-RS retrieve instances', () => {
  const ctx = useTestServer();
  const tutorialFiles = [TUTORIAL.greenSquare, TUTORIAL.redTriangle, TUTORIAL.blueCircle];

  test('the tutorials: study, series and instance with their Accept headers', async () => {
    await store(ctx.baseUrl, ...tutorialFiles.map((t) => readFixture(t.file)));
    const bySop = new Map(tutorialFiles.map((t) => [t.sopUid, asStored(readFixture(t.file))]));

    const study = await get(`${ctx.baseUrl}/v2/studies/${TUTORIAL.studyUid}`, { Accept: ANY_SYNTAX_MULTIPART });
    assert.equal(study.status, 200);
    assert.match(study.headers.get('content-type') ?? '', /^multipart\/related; type="application\/dicom"; boundary=/);
    const studyParts = await readParts(study);
    assert.equal(studyParts.length, 3);
    const expected = [...bySop.values()];
    for (const part of studyParts) {
      assert.match(part.contentType ?? '', /^application\/dicom; transfer-syntax=1\.2\.840\.10008\./);
      assert.ok(
        expected.some((file) => file.equals(part.body)),
        'each part is one stored file, byte for byte',
      );
    }

    const seriesUrl = `${ctx.baseUrl}/v2/studies/${TUTORIAL.studyUid}/series/${TUTORIAL.redTriangle.seriesUid}`;
    const series = await get(seriesUrl, { Accept: ANY_SYNTAX_MULTIPART });
    assert.equal(series.status, 200);
    assert.equal((await readParts(series)).length, 2);

    const { redTriangle } = TUTORIAL;
    const one = await get(instanceUrl(ctx.baseUrl, TUTORIAL.studyUid, redTriangle.seriesUid, redTriangle.sopUid), {
      Accept: 'application/dicom; transfer-syntax=*',
    });
    assert.equal(one.status, 200);
    assert.match(one.headers.get('content-type') ?? '', /^application\/dicom; transfer-syntax=/);
    const body = Buffer.from(await one.arrayBuffer());
    assert.equal(one.headers.get('content-length'), String(body.length));
    assert.ok(body.equals(bySop.get(redTriangle.sopUid) ?? Buffer.alloc(0)));
  });

  test('transfer-syntax=* returns the stored bytes of every syntax (preamble zeroed)', async () => {
    const files = ROUND_TRIPS.map((c) => fixture(c.file, c.uid));
    await store(ctx.baseUrl, ...files);
    for (const [i, testCase] of ROUND_TRIPS.entries()) {
      const file = files[i] ?? Buffer.alloc(0);
      const uids = readUids(file);
      const response = await get(instanceUrl(ctx.baseUrl, uids.study, uids.series, uids.sop), {
        Accept: 'application/dicom; transfer-syntax=*',
      });
      assert.equal(response.status, 200, testCase.file);
      assert.equal(response.headers.get('content-type'), `application/dicom; transfer-syntax=${testCase.syntax}`);
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(asStored(file)), testCase.file);
      // The same through multipart.
      const multipart = await get(instanceUrl(ctx.baseUrl, uids.study, uids.series, uids.sop), {
        Accept: ANY_SYNTAX_MULTIPART,
      });
      const [part] = await readParts(multipart);
      assert.ok(part?.body.equals(asStored(file)), `${testCase.file} (multipart)`);
    }
  });

  test('star/star means the original; explicit little endian is the default', async () => {
    const file = makeDicom({ pixelDataBytes: 4096 });
    await store(ctx.baseUrl, file);
    const uids = readUids(file);
    const url = instanceUrl(ctx.baseUrl, uids.study, uids.series, uids.sop);
    for (const accept of ['*/*', 'application/dicom', 'multipart/related; type=application/dicom']) {
      const response = await get(url, { Accept: accept });
      assert.equal(response.status, 200, accept);
      const body = response.headers.get('content-type')?.startsWith('multipart')
        ? ((await readParts(response))[0]?.body ?? Buffer.alloc(0))
        : Buffer.from(await response.arrayBuffer());
      assert.ok(body.equals(asStored(file)), accept);
    }
    const absent = await fetch(url, { headers: { Accept: '' } });
    assert.equal(absent.status, 200);
    await absent.body?.cancel();
  });

  test('a compressed instance asked for in a syntax not offered is 406 with a reason; in its own syntax it is served', async () => {
    const file = fixture('jpeg-baseline.dcm', JPEG_UID);
    // Stored by the round-trip test when it ran first (then this answers 409): either way it is there.
    await stowFiles(`${ctx.baseUrl}/v2/studies`, [file]);
    const uids = readUids(file);
    const url = instanceUrl(ctx.baseUrl, uids.study, uids.series, uids.sop);
    // Explicit VR Little Endian (the default) is decoded (retrieveCompressedTranscoding.test.ts), JPEG 2000
    // lossless encoded (retrieveJpeg2000.test.ts); JPEG-LS is not offered.
    const refused = await get(url, { Accept: 'application/dicom; transfer-syntax=1.2.840.10008.1.2.4.80' });
    assert.equal(refused.status, 406);
    assert.match(await refused.text(), /1\.2\.840\.10008\.1\.2\.4\.50 .*transfer-syntax=\*/);
    const same = await get(url, { Accept: 'application/dicom; transfer-syntax=1.2.840.10008.1.2.4.50' });
    assert.equal(same.status, 200);
    assert.ok(Buffer.from(await same.arrayBuffer()).equals(asStored(file)));
    const study = await get(`${ctx.baseUrl}/v2/studies/${uids.study}`, {
      Accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.91',
    });
    assert.equal(study.status, 406);
  });

  test('not found, malformed UIDs and unacceptable media types', async () => {
    const { redTriangle } = TUTORIAL;
    const missing = newUid();
    const cases: Array<[string, Record<string, string>, number, RegExp]> = [
      [`/v2/studies/${missing}`, { Accept: ANY_SYNTAX_MULTIPART }, 404, /The specified study cannot be found/],
      [
        `/v2/studies/${TUTORIAL.studyUid}/series/${missing}`,
        { Accept: ANY_SYNTAX_MULTIPART },
        404,
        /series cannot be found/,
      ],
      [
        `/v2/studies/${TUTORIAL.studyUid}/series/${redTriangle.seriesUid}/instances/${missing}`,
        { Accept: 'application/dicom' },
        404,
        /instance cannot be found/,
      ],
      // The instance exists, but in another series: not found.
      [
        `/v2/studies/${TUTORIAL.studyUid}/series/${TUTORIAL.blueCircle.seriesUid}/instances/${redTriangle.sopUid}`,
        { Accept: 'application/dicom' },
        404,
        /instance cannot be found/,
      ],
      [`/v2/studies/1.2.3_4`, { Accept: ANY_SYNTAX_MULTIPART }, 400, /StudyInstanceUID '1\.2\.3_4' is invalid/],
      [`/v1/studies/${TUTORIAL.studyUid}/series/x_y`, { Accept: ANY_SYNTAX_MULTIPART }, 400, /SeriesInstanceUID/],
      [`/v2/studies/${TUTORIAL.studyUid}`, { Accept: 'application/dicom' }, 406, /multipart\/related/],
      [`/v2/studies/${TUTORIAL.studyUid}`, { Accept: 'application/json' }, 406, /not acceptable/],
      [
        `/v2/studies/${TUTORIAL.studyUid}`,
        { Accept: 'multipart/related; type="application/octet-stream"' },
        406,
        /not acceptable/,
      ],
      [`/v2/studies/${TUTORIAL.studyUid}`, { Accept: `${ANY_SYNTAX_MULTIPART}; q=0` }, 406, /not acceptable/],
    ];
    for (const [path, headers, status, body] of cases) {
      const response = await get(`${ctx.baseUrl}${path}`, headers);
      assert.equal(response.status, status, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
      assert.match(await response.text(), body, path);
    }
  });

  test('v1 serves the same study as v2', async () => {
    const v1 = await get(`${ctx.baseUrl}/v1/studies/${TUTORIAL.studyUid}`, { Accept: ANY_SYNTAX_MULTIPART });
    assert.equal(v1.status, 200);
    const v1Parts = await readParts(v1);
    const v2Parts = await readParts(
      await get(`${ctx.baseUrl}/v2/studies/${TUTORIAL.studyUid}`, { Accept: ANY_SYNTAX_MULTIPART }),
    );
    assert.deepEqual(v1Parts.map((p) => p.body.length).sort(), v2Parts.map((p) => p.body.length).sort());
  });
});

/** Study, series and SOP instance UIDs of a file, via the project's parser. */
function readUids(file: Buffer): { study: string; series: string; sop: string } {
  const { dataset } = parseDicom(file);
  return {
    study: getString(dataset, Tag.StudyInstanceUID) ?? '',
    series: getString(dataset, Tag.SeriesInstanceUID) ?? '',
    sop: getString(dataset, Tag.SOPInstanceUID) ?? '',
  };
}
