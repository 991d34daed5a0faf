/**
 * The requests of the fuzz storm (bench/fuzzStorm.ts): fast-check arbitraries over every route a
 * Reader or Writer reaches, with the hostile bodies and parameters of issue 13 (test/support/hostileInputs.ts).
 */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { encodeElement, makeDicom, newUid } from '../test/support/dicomFactory';
import {
  damagedMultipart,
  datasetOf,
  deflatedFile,
  fileWithTransferSyntax,
  manyFragmentsFile,
  mutatedFile,
  personNameElements,
  fileMeta,
  DEFLATED_EXPLICIT_LE,
} from '../test/support/hostileInputs';

export interface FuzzRequest {
  readonly kind: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /**
   * After the server root, e.g. `/v2/studies?…`. `{S}`, `{X}`, `{I}` stand for the study, series
   * and instance UIDs of an accepted instance, `{U}` for a UID nothing has.
   */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer;
  /** Which accepted instance `{S}`, `{X}` and `{I}` name (modulo how many there are). */
  readonly pick: number;
}

const BOUNDARY = 'fuzz-storm-boundary';
const BASE_FILE = makeDicom({ pixelDataBytes: 2048, patientName: 'Storm^Base' });

/** A 64 MiB run of zeros in an OB element, deflated: about 64 KiB that inflates 1000 times. */
const BOMB = ((): Buffer => {
  const uid = newUid();
  const header = Buffer.alloc(12);
  header.writeUInt16LE(0x0009, 0);
  header.writeUInt16LE(0x1001, 2);
  header.write('OB', 4, 'latin1');
  header.writeUInt32LE(64 * 1024 * 1024, 8);
  const dataset = Buffer.concat([datasetOf(makeDicom({ sopInstanceUid: uid })), header]);
  const zeros = deflateRawSync(Buffer.concat([dataset, Buffer.alloc(64 * 1024 * 1024)]));
  return Buffer.concat([fileMeta(DEFLATED_EXPLICIT_LE, uid), zeros]);
})();

const HOSTILE_UIDS = [
  '.',
  '..',
  '1..2',
  '1.2.',
  '.1.2',
  'a'.repeat(65),
  '1'.repeat(65),
  '1.2\r\n3',
  '../1',
  '%2e%2e',
  '1.2/3',
  '',
  ' 1.2',
  '1.02',
];
const HOSTILE_TS = [
  '1.2.840.10008.1.2.1\r\nX-Injected: 1',
  '1..2',
  '',
  'abc',
  '1.2.840.10008.1.2.1 ',
  '1.2.840.10008.1.2.4.50\n',
];
const ACCEPTS = [
  'application/dicom',
  'application/dicom; transfer-syntax=*',
  'application/dicom; transfer-syntax=1.2.840.10008.1.2.1',
  'multipart/related; type="application/dicom"; transfer-syntax=*',
  'multipart/related; type="application/octet-stream"',
  'application/dicom+json',
  'multipart/related; type="image/jpeg"',
  '*/*',
  'text/html',
];

const INSTANCE = '/v2/studies/{S}/series/{X}/instances/{I}';
const dicom = { 'Content-Type': 'application/dicom' };
const multipart = { 'Content-Type': `multipart/related; type="application/dicom"; boundary=${BOUNDARY}` };

const text = fc.string({
  unit: fc.constantFrom('a', 'A', '*', '?', '^', '\\', ' ', '%', '=', 'é', '😀', '1', '.'),
  maxLength: 400,
});
const uidLike = fc.oneof(
  fc.constantFrom(...HOSTILE_UIDS),
  fc.constant('').map(() => newUid()),
);
const uidList = fc.array(uidLike, { maxLength: 150 }).map((uids) => uids.join(','));
const numberText = fc.oneof(
  fc.integer({ min: -5, max: 12_000 }).map(String),
  fc.constantFrom('1e9', '1000000000', 'abc', '', '-0', '2147483648', '0x10'),
);

function query(params: [string, string][]): string {
  return params.length === 0
    ? ''
    : `?${params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

const stowMutated = fc.tuple(mutatedFile(BASE_FILE), fc.nat()).map(([body, pick]): FuzzRequest => ({
  kind: 'STOW mutated Part 10',
  method: 'POST',
  path: '/v2/studies',
  headers: dicom,
  body,
  pick,
}));

const stowMultipart = fc
  .tuple(damagedMultipart(BOUNDARY, fc.oneof(mutatedFile(BASE_FILE), fc.constant(BASE_FILE))), fc.nat())
  .map(([body, pick]): FuzzRequest => ({
    kind: 'STOW broken multipart',
    method: 'POST',
    path: '/v2/studies',
    headers: multipart,
    body,
    pick,
  }));

/** Fresh UIDs, so many of these are stored: many values, long names, surrogate pairs, charsets. */
const stowValid = fc
  .record({
    values: fc.integer({ min: 1, max: 20 }).map((e) => Math.floor(1.8 ** e)),
    name: text,
    charset: fc.constantFrom('', 'ISO_IR 192', 'ISO_IR 100', 'ISO 2022 IR 87', 'GB18030', 'NONSENSE'),
    pick: fc.nat(),
  })
  .map(({ values, name, charset, pick }): FuzzRequest => {
    const elements = [...personNameElements(values, (i) => `${name.slice(0, 60)}${i}`)];
    if (charset) elements.push({ tag: '00080005', vr: 'CS', value: charset });
    return {
      kind: 'STOW many values / long names',
      method: 'POST',
      path: '/v2/studies',
      headers: dicom,
      body: makeDicom({ patientName: name.slice(0, 200) || 'A', elements }),
      pick,
    };
  });

const stowBadIds = fc
  .record({
    uid: fc.constantFrom(...HOSTILE_UIDS),
    which: fc.nat(3),
    ts: fc.constantFrom(...HOSTILE_TS),
    pick: fc.nat(),
  })
  .map(({ uid, which, ts, pick }): FuzzRequest => {
    const body =
      which === 3
        ? fileWithTransferSyntax(ts)
        : makeDicom([{ studyInstanceUid: uid }, { seriesInstanceUid: uid }, { sopInstanceUid: uid }][which]);
    return { kind: 'STOW bad UIDs', method: 'POST', path: '/v2/studies', headers: dicom, body, pick };
  });

const stowDeflated = fc.tuple(fc.boolean(), fc.nat()).map(([bomb, pick]): FuzzRequest => {
  const body = bomb ? BOMB : deflatedFile(datasetOf(makeDicom({ pixelDataBytes: 4096 })), newUid());
  return { kind: 'STOW deflate bomb / deflated', method: 'POST', path: '/v2/studies', headers: dicom, body, pick };
});

const stowFragments = fc
  .tuple(fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.constantFrom(99_999, 100_000, 100_001)), fc.nat())
  .map(([frames, pick]): FuzzRequest => ({
    kind: 'STOW many fragments',
    method: 'POST',
    path: '/v2/studies',
    headers: dicom,
    body: manyFragmentsFile(frames),
    pick,
  }));

const qido = fc
  .record({
    level: fc.constantFrom(
      '/v2/studies',
      '/v2/series',
      '/v2/instances',
      '/v1/studies',
      '/v2/studies/{S}/series',
      '/v2/studies/{S}/instances',
    ),
    params: fc.array(
      fc.oneof(
        fc.tuple(
          fc.constantFrom(
            'PatientName',
            'StudyDescription',
            'PatientID',
            'ReferringPhysicianName',
            'Modality',
            'AccessionNumber',
          ),
          text,
        ),
        fc.tuple(fc.constantFrom('StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'), uidList),
        fc.tuple(fc.constantFrom('limit', 'offset'), numberText),
        fc.tuple(fc.constantFrom('fuzzymatching', 'includefield', 'StudyDate', '00100010', 'bogus'), text),
      ),
      { maxLength: 4 },
    ),
    pick: fc.nat(),
  })
  .map(({ level, params, pick }): FuzzRequest => ({
    kind: 'QIDO',
    method: 'GET',
    path: `${level}${query(params)}`,
    pick,
  }));

const frameList = fc.oneof(
  fc.array(fc.integer({ min: -2, max: 3100 }), { minLength: 1, maxLength: 600 }).map((f) => f.join(',')),
  fc.array(fc.constant(1), { minLength: 1, maxLength: 3900 }).map((f) => f.join(',')),
  text.map((t) => encodeURIComponent(t) || '1'),
);

const wado = fc
  .record({
    target: fc.constantFrom(
      INSTANCE,
      `${INSTANCE}/metadata`,
      '/v2/studies/{S}',
      '/v2/studies/{S}/metadata',
      '/v2/studies/{S}/series/{X}',
      '/v2/studies/{U}',
    ),
    frames: fc.option(frameList, { nil: undefined }),
    accept: fc.constantFrom(...ACCEPTS),
    pick: fc.nat(),
  })
  .map(({ target, frames, accept, pick }): FuzzRequest => ({
    kind: frames === undefined || target !== INSTANCE ? 'WADO' : 'WADO frames',
    method: 'GET',
    path: frames === undefined || target !== INSTANCE ? target : `${target}/frames/${frames}`,
    headers: { Accept: frames === undefined ? accept : 'multipart/related; type="application/octet-stream"' },
    pick,
  }));

const changeFeed = fc
  .record({
    version: fc.constantFrom('/v1', '/v2'),
    params: fc.array(
      fc.tuple(
        fc.constantFrom('offset', 'limit', 'includemetadata', 'startTime', 'endTime'),
        fc.oneof(numberText, fc.constantFrom('true', 'false', 'yes', '2024-01-01T00:00:00Z', 'x')),
      ),
      { maxLength: 3 },
    ),
    latest: fc.boolean(),
    pick: fc.nat(),
  })
  .map(({ version, params, latest, pick }): FuzzRequest => ({
    kind: 'change feed',
    method: 'GET',
    path: `${version}/changefeed${latest ? '/latest' : ''}${query(params)}`,
    pick,
  }));

/** Small odd elements no generator above makes: a file meta group with a huge private value. */
const stowBigMeta = fc.nat().map((pick): FuzzRequest => {
  const uid = newUid();
  const file = makeDicom({ sopInstanceUid: uid });
  const big = encodeElement({ tag: '00020102', vr: 'OB', value: Buffer.alloc(256 * 1024, 1) });
  const metaLength = file.readUInt32LE(140);
  const out = Buffer.concat([file.subarray(0, 144 + metaLength), big, file.subarray(144 + metaLength)]);
  out.writeUInt32LE(metaLength + big.length, 140);
  return { kind: 'STOW big File Meta', method: 'POST', path: '/v2/studies', headers: dicom, body: out, pick };
});

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { arbitrary: stowMutated, weight: 4 },
  { arbitrary: stowMultipart, weight: 3 },
  { arbitrary: stowValid, weight: 3 },
  { arbitrary: stowBadIds, weight: 2 },
  { arbitrary: stowDeflated, weight: 1 },
  { arbitrary: stowFragments, weight: 1 },
  { arbitrary: stowBigMeta, weight: 1 },
  { arbitrary: qido, weight: 4 },
  { arbitrary: wado, weight: 4 },
  { arbitrary: changeFeed, weight: 2 },
);
