// Extended query tags over HTTP (Azure's contract, ../shared/azure-api-reference.md §3): POST
// checks in Azure's order and words, 202 with a bare operation reference, 409 while a reindex
// runs, reindex of what was stored before (with errors for invalid values: ready + disabled),
// STOW indexing while adding, QIDO on each VR kind with the level rules, the
// erroneous-dicom-attributes header, PATCH at once, DELETE in the background.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { makeDicom, newUid, type ElementSpec } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { search, storeAll, T, uidsOf } from '../search/searchSupport';
import { eqtRequest, getTag, waitForTags, type TagEntryJson } from './eqtClient';

const TAGS = [
  { Path: 'PatientAge', VR: 'AS', Level: 'Study' },
  { path: '00091001', vr: 'LO', privateCreator: 'ACME 1.0', level: 'study' },
  { path: 'StationName', level: 'Series' },
  { path: 'PerformingPhysicianName', level: 'series' },
  { path: 'SeriesNumber', level: 'series' },
  { path: '00080022', level: 'instance' },
  { path: 'AcquisitionDateTime', level: 'instance' },
  { path: 'AcquisitionTime', level: 'instance' },
  { path: 'SliceThickness', level: 'instance' },
  { path: 'ContentDate', level: 'instance' },
];
const PATHS = [
  '00101010',
  '00091001',
  '00081010',
  '00081050',
  '00200011',
  '00080022',
  '0008002A',
  '00080032',
  '00180050',
  '00080023',
];

interface Spec {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
  readonly age: string;
  readonly secret?: string;
  readonly station: string;
  readonly performer: string;
  readonly seriesNumber: string;
  readonly acqDate: string;
  readonly acqDateTime: string;
  readonly acqTime: string;
  readonly thickness: string;
  readonly contentDate: string;
}

function file(s: Spec): Buffer {
  const elements: ElementSpec[] = [
    { tag: '00101010', vr: 'AS', value: s.age },
    { tag: '00081010', vr: 'SH', value: s.station },
    { tag: '00081050', vr: 'PN', value: s.performer },
    { tag: '00200011', vr: 'IS', value: s.seriesNumber },
    { tag: '00080022', vr: 'DA', value: s.acqDate },
    { tag: '0008002A', vr: 'DT', value: s.acqDateTime },
    { tag: '00080032', vr: 'TM', value: s.acqTime },
    { tag: '00180050', vr: 'DS', value: s.thickness },
    { tag: '00080023', vr: 'DA', value: s.contentDate },
  ];
  if (s.secret !== undefined) {
    elements.push({ tag: '00090010', vr: 'LO', value: 'ACME 1.0' }, { tag: '00091001', vr: 'LO', value: s.secret });
  }
  return makeDicom({ studyInstanceUid: s.study, seriesInstanceUid: s.series, sopInstanceUid: s.sop, elements });
}

function spec(i: number, overrides: Partial<Spec> = {}): Spec {
  return {
    study: newUid(),
    series: newUid(),
    sop: newUid(),
    age: `0${40 + i}Y`,
    station: `STATION${i}`,
    performer: `Performer${i}^Anna`,
    seriesNumber: String(100 + i),
    acqDate: `2024010${i + 1}`,
    acqDateTime: `2024010${i + 1}103000.5`,
    acqTime: `10${i}000`,
    thickness: `${i}.50`,
    contentDate: '20240101',
    ...overrides,
  };
}

describe('extended query tags', () => {
  const ctx = useTestServer({ runQueueTriggers: true });
  // Stored before the tags exist (reindexed) and after (indexed by STOW while adding).
  const early = [0, 1, 2].map((i) => spec(i, i === 0 ? { secret: 'Hidden', contentDate: '2024133' } : {}));
  const late = [3, 4].map((i) => spec(i));
  const study = (s: Spec) => s.study;
  let operationHref = '';

  const post = (body: unknown, contentType?: string) =>
    eqtRequest(ctx.baseUrl, 'POST', '/v2/extendedquerytags', body, contentType);
  const bad = async (body: unknown, message: string) => {
    const reply = await post(body);
    assert.equal(reply.status, 400, reply.text);
    assert.equal(reply.text, message);
  };

  before(async () => {
    await storeAll(ctx.baseUrl, early.map(file));
  });

  test('POST checks, in Azure order and words', async () => {
    await bad({ path: 'PatientAge' }, 'The syntax of the request body is invalid.');
    await bad('[{"path":', 'The syntax of the request body is invalid.');
    await bad(
      [{ level: 'Study' }],
      "The field '[0].Path' in request body is invalid: The Dicom Tag Property Path must be specified and must not be null, empty or whitespace.",
    );
    await bad(
      [{ path: 'PatientAge', level: ' ' }],
      "The field '[0].Level' in request body is invalid: The Dicom Tag Property Level must be specified and must not be null, empty or whitespace.",
    );
    await bad(
      [{ path: 'PatientAge', level: 'Patient' }],
      "The field '[0].Level' in request body is invalid: Input Dicom Tag Level 'Patient' is invalid. It must have value 'Study', 'Series' or 'Instance'.",
    );
    await bad([], 'The extended query tag(s) is missing.');
    await bad(
      [{ path: 'NoSuchKeyword', level: 'Study' }],
      "The extended query tag 'NoSuchKeyword' is invalid as it cannot be parsed into a valid Dicom Tag.",
    );
    await bad([{ path: 'PatientName', level: 'Study' }], "The query tag 'PatientName' is already supported.");
    await bad(
      [{ path: '00101010', privateCreator: 'X', level: 'Study' }],
      "The private creator is not empty for standard tag '00101010'.",
    );
    await bad(
      [{ path: '00090010', privateCreator: 'X', level: 'Study' }],
      "The private creator is not empty for private identification code '00090010'.",
    );
    await bad(
      [{ path: '00091001', vr: 'LO', level: 'Study' }],
      "The private creator for private tag '00091001' is missing.",
    );
    await bad(
      [{ path: '00091001', vr: 'LO', privateCreator: 'A\\B', level: 'Study' }],
      "The private creator for tag '00091001' is not a valid LO attribute.",
    );
    await bad([{ path: 'PatientAge', vr: 'XX', level: 'Study' }], "The VR code 'XX' for tag 'PatientAge' is invalid.");
    await bad(
      [{ path: 'PatientAge', vr: 'LO', level: 'Study' }],
      "The VR code 'LO' is incorrectly specified for 'PatientAge'. The expected VR code for it is 'AS'. Retry this request either with the correct VR code or without specifying it.",
    );
    await bad([{ path: '00091001', privateCreator: 'ACME', level: 'Study' }], "The vr for tag '00091001' is missing.");
    await bad(
      [
        { path: 'PixelSpacing', vr: 'DS', level: 'Study' },
        { path: 'StudyComments', level: 'Study' },
      ],
      "The VR code 'LT' specified for tag 'StudyComments' is not supported.",
    );
    await bad(
      [
        { path: 'PatientAge', level: 'Study' },
        { path: '00101010', level: 'Study' },
      ],
      "The extended query tag '00101010' has been specified before.",
    );
    const tooMany = Array.from({ length: 129 }, (_, i) => ({
      path: `0009${(0x1000 + i).toString(16)}`,
      level: 'Study',
    }));
    await bad(tooMany, "Extended query tags exceeds max allowed count '128'.");
    const wrongType = await post([{ path: 'PatientAge', level: 'Study' }], 'text/plain');
    assert.equal(wrongType.status, 415);
    assert.deepEqual((await eqtRequest(ctx.baseUrl, 'GET', '/v2/extendedquerytags')).json, []);
  });

  test('POST answers 202 with a bare operation reference; a second POST meanwhile is 409', async () => {
    const reply = await post(TAGS);
    assert.equal(reply.status, 202, reply.text);
    const body = reply.json as { id: string; href: string };
    assert.deepEqual(Object.keys(body).sort(), ['href', 'id']);
    assert.match(body.id, /^[0-9a-f]{32}$/);
    assert.equal(body.href, `${ctx.baseUrl}/v2/operations/${body.id}`);
    assert.equal(reply.headers.get('location'), body.href);
    operationHref = body.href;

    const entry = await getTag(ctx.baseUrl, 'PatientAge');
    assert.deepEqual(entry, {
      path: '00101010',
      vr: 'AS',
      level: 'study',
      status: 'adding',
      queryStatus: 'enabled',
      operation: { id: body.id, href: body.href },
    });
    const again = await post([{ path: 'PatientSize', level: 'Study' }]);
    assert.equal(again.status, 409);
    assert.equal(again.text, `There is already an active re-index operation with ID '${body.id}'.`);
    assert.equal(again.headers.get('location'), body.href);

    const adding = await search(ctx.baseUrl, '/v2/studies?PatientAge=040Y');
    assert.equal(adding.status, 400);
    assert.match(adding.text, /AttributeId PatientAge is not queryable/);
    // Stored while the tags are adding: indexed by STOW.
    await storeAll(ctx.baseUrl, late.map(file));
  });

  test('the reindex makes every tag ready; an invalid value is an error that disables querying', async () => {
    await waitForTags(ctx.baseUrl, PATHS, 'ready');
    const list = (await eqtRequest(ctx.baseUrl, 'GET', '/v2/extendedquerytags')).json as TagEntryJson[];
    assert.deepEqual(
      list.map((t) => t.path),
      [...PATHS].sort(),
    );
    assert.ok(list.every((t) => t.operation === undefined));
    const content = list.find((t) => t.path === '00080023');
    assert.equal(content?.queryStatus, 'disabled');
    assert.deepEqual(content?.errors, { count: 1, href: `${ctx.baseUrl}/v2/extendedquerytags/00080023/errors` });
    assert.ok(list.filter((t) => t.path !== '00080023').every((t) => t.queryStatus === 'enabled' && !t.errors));
    const errors = await eqtRequest(ctx.baseUrl, 'GET', '/v2/extendedquerytags/ContentDate/errors');
    assert.equal(errors.status, 200);
    const [error, ...rest] = errors.json as Record<string, string>[];
    assert.equal(rest.length, 0);
    assert.equal(error?.studyInstanceUid, early[0]?.study);
    assert.equal(error?.sopInstanceUid, early[0]?.sop);
    assert.equal(error?.partitionName, 'Microsoft.Default');
    assert.match(error?.errorMessage ?? '', /Value cannot be parsed as a valid date/);
    const operation = await eqtRequest(ctx.baseUrl, 'GET', new URL(operationHref).pathname);
    assert.equal(operation.status, 200, operation.text);
    const state = operation.json as { type: string; status: string; percentComplete: number; resources: string[] };
    assert.deepEqual(
      { type: state.type, status: state.status, percentComplete: state.percentComplete },
      { type: 'reindex', status: 'succeeded', percentComplete: 100 },
    );
    assert.deepEqual([...state.resources].sort(), PATHS.map((p) => `${ctx.baseUrl}/v2/extendedquerytags/${p}`).sort());
  });

  const studies = async (query: string) => {
    const reply = await search(ctx.baseUrl, query);
    assert.ok(reply.status === 200 || reply.status === 204, `${query}: ${reply.status} ${reply.text}`);
    return reply.status === 204 ? [] : uidsOf(reply.json ?? [], T.StudyInstanceUID);
  };
  const sortedStudies = (specs: Spec[]) => specs.map(study).sort();
  const extra: Spec[] = [];
  const all = () => [...early, ...late, ...extra];
  const at = (i: number) => all()[i] as Spec;

  test('string, private and numeric tags match exactly', async () => {
    assert.deepEqual(await studies('/v2/studies?PatientAge=041Y'), [at(1).study]);
    assert.deepEqual(await studies('/v2/studies?00101010=044Y'), [at(4).study]);
    assert.deepEqual(await studies('/v2/studies?00091001=hidden'), [at(0).study]);
    assert.deepEqual(await studies('/v2/series?StationName=station3'), [at(3).study]);
    assert.deepEqual(await studies('/v2/series?SeriesNumber=102'), [at(2).study]);
    assert.deepEqual(await studies('/v2/instances?SliceThickness=1.5'), [at(1).study]);
    assert.deepEqual(await studies('/v2/instances?SliceThickness=4.500'), [at(4).study]);
    assert.deepEqual(await studies('/v2/instances?SliceThickness=9'), []);
    const notNumber = await search(ctx.baseUrl, '/v2/instances?SliceThickness=abc');
    assert.equal(notNumber.status, 400);
    assert.equal(
      notNumber.text,
      "Invalid QIDO-RS query. Specified value 'abc' extended query tag with path '00180050' is not a valid double value.",
    );
  });

  test('an instance stored once the tags are ready is searchable by them at once (STOW indexes it)', async () => {
    const fresh = spec(5, { secret: 'Fresh' });
    await storeAll(ctx.baseUrl, [file(fresh)]);
    extra.push(fresh);
    assert.deepEqual(await studies('/v2/studies?PatientAge=045Y'), [fresh.study]);
    assert.deepEqual(await studies('/v2/studies?00091001=FRESH'), [fresh.study]);
    assert.deepEqual(await studies('/v2/instances?AcquisitionDate=20240106'), [fresh.study]);
  });

  test('person names match exactly, or fuzzily with fuzzymatching=true', async () => {
    assert.deepEqual(await studies('/v2/series?PerformingPhysicianName=performer2^anna'), [at(2).study]);
    assert.deepEqual(await studies('/v2/series?PerformingPhysicianName=Performer2'), []);
    assert.deepEqual(await studies('/v2/series?PerformingPhysicianName=perf&fuzzymatching=true'), sortedStudies(all()));
    assert.deepEqual(await studies('/v2/series?PerformingPhysicianName=ann%20performer3&fuzzymatching=true'), [
      at(3).study,
    ]);
  });

  test('DA, DT and TM match ranges', async () => {
    assert.deepEqual(await studies('/v2/instances?AcquisitionDate=20240102-20240103'), sortedStudies([at(1), at(2)]));
    assert.deepEqual(await studies('/v2/instances?AcquisitionDate=20240104-'), sortedStudies([at(3), at(4), at(5)]));
    assert.deepEqual(await studies('/v2/instances?AcquisitionDate=-20240101'), [at(0).study]);
    assert.deepEqual(
      await studies('/v2/instances?AcquisitionDateTime=20240102-20240103'),
      sortedStudies([at(1), at(2)]),
    );
    assert.deepEqual(await studies('/v2/instances?AcquisitionDateTime=20240105103000'), [at(4).study]);
    assert.deepEqual(
      await studies('/v2/instances?AcquisitionTime=102000-104000'),
      sortedStudies([at(2), at(3), at(4)]),
    );
    assert.deepEqual(await studies('/v2/instances?AcquisitionTime=10:10'), [at(1).study]);
    const badDate = await search(ctx.baseUrl, '/v2/instances?AcquisitionDate=2024-01-01');
    assert.equal(badDate.status, 400);
    assert.match(badDate.text, /Specified Date value '2024-01-01' is invalid for parameter 'AcquisitionDate'/);
  });

  test('level rules: a tag filters only resources its level allows', async () => {
    const s = at(1);
    assert.deepEqual(await studies(`/v2/series?PatientAge=041Y`), [s.study]);
    assert.deepEqual(await studies(`/v2/instances?PatientAge=041Y&StationName=STATION1`), [s.study]);
    assert.deepEqual(await studies(`/v2/studies/${s.study}/series?StationName=STATION1`), [s.study]);
    assert.deepEqual(await studies(`/v2/studies/${s.study}/instances?AcquisitionDate=20240102`), [s.study]);
    assert.deepEqual(await studies(`/v2/studies/${s.study}/series/${s.series}/instances?SliceThickness=1.5`), [
      s.study,
    ]);
    for (const refused of [
      '/v2/studies?StationName=STATION1',
      '/v2/series?AcquisitionDate=20240102',
      `/v2/studies/${s.study}/series?PatientAge=041Y`,
      `/v2/studies/${s.study}/instances?PatientAge=041Y`,
      `/v2/studies/${s.study}/series/${s.series}/instances?StationName=STATION1`,
    ]) {
      const reply = await search(ctx.baseUrl, refused);
      assert.equal(reply.status, 400, refused);
      assert.match(reply.text, /is not queryable/, refused);
    }
    // Combined with a built-in filter: both must hold.
    assert.deepEqual(await studies(`/v2/studies?PatientAge=041Y&PatientID=PID-1`), [s.study]);
    assert.deepEqual(await studies(`/v2/studies?PatientAge=041Y&PatientID=nobody`), []);
  });

  test('a disabled tag is refused at once; enabled with errors it answers with the erroneous-dicom-attributes header', async () => {
    const disabled = await search(ctx.baseUrl, '/v2/instances?ContentDate=20240101');
    assert.equal(disabled.status, 400);
    assert.equal(disabled.text, "Query is disabled on specified attribute 'ContentDate'.");
    const patch = await eqtRequest(ctx.baseUrl, 'PATCH', '/v2/extendedquerytags/ContentDate', {
      QueryStatus: 'Enabled',
    });
    assert.equal(patch.status, 200, patch.text);
    assert.equal((patch.json as TagEntryJson).queryStatus, 'enabled');
    const reply = await search(ctx.baseUrl, '/v2/instances?ContentDate=20240101&SliceThickness=1.5');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('erroneous-dicom-attributes'), 'ContentDate');
    assert.deepEqual(uidsOf(reply.json ?? [], T.StudyInstanceUID), [at(1).study]);
    const clean = await search(ctx.baseUrl, '/v2/instances?SliceThickness=1.5');
    assert.equal(clean.headers.get('erroneous-dicom-attributes'), null);

    const off = await eqtRequest(ctx.baseUrl, 'PATCH', '/v2/extendedquerytags/00101010', { queryStatus: 'disabled' });
    assert.equal(off.status, 200);
    assert.equal((await search(ctx.baseUrl, '/v2/studies?PatientAge=041Y')).status, 400);
    for (const [body, message] of [
      [{ queryStatus: 'Paused' }, 'The value is not valid. It need to be one of "Disabled","Enabled".'],
      [{ queryStatus: 'Enabled', level: 'Study' }, 'The field is not supported: "level".'],
    ] as const) {
      const refused = await eqtRequest(ctx.baseUrl, 'PATCH', '/v2/extendedquerytags/00101010', body);
      assert.equal(refused.status, 400);
      assert.equal(refused.text, message);
    }
    const missing = await eqtRequest(ctx.baseUrl, 'PATCH', '/v2/extendedquerytags/PatientSize', {
      queryStatus: 'Enabled',
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.text, 'The specified extended query tag with tag path 00101020 cannot be found.');
  });

  test('GET by path, paging and errors answer as Azure', async () => {
    const bad = await eqtRequest(ctx.baseUrl, 'GET', '/v2/extendedquerytags/zzz');
    assert.equal(bad.status, 400);
    assert.equal(bad.text, "The extended query tag 'zzz' is invalid as it cannot be parsed into a valid Dicom Tag.");
    assert.equal((await eqtRequest(ctx.baseUrl, 'GET', '/v1/extendedquerytags/00101020')).status, 404);
    assert.equal((await eqtRequest(ctx.baseUrl, 'GET', '/v2/extendedquerytags/00101020/errors')).status, 404);
    const page = await eqtRequest(ctx.baseUrl, 'GET', '/v2/extendedquerytags?offset=1&limit=2');
    assert.deepEqual(
      (page.json as TagEntryJson[]).map((t) => t.path),
      [...PATHS].sort().slice(1, 3),
    );
    assert.equal((await eqtRequest(ctx.baseUrl, 'GET', '/v2/extendedquerytags?limit=201')).status, 400);
    const v1 = await getTag(ctx.baseUrl, '00091001');
    assert.deepEqual(v1, {
      path: '00091001',
      vr: 'LO',
      privateCreator: 'ACME 1.0',
      level: 'study',
      status: 'ready',
      queryStatus: 'enabled',
    });
  });

  test('DELETE answers 204 at once; the tag stops answering queries and its entries go in the background', async () => {
    const reply = await eqtRequest(ctx.baseUrl, 'DELETE', '/v2/extendedquerytags/StationName');
    assert.equal(reply.status, 204);
    const refused = await search(ctx.baseUrl, '/v2/series?StationName=STATION1');
    assert.equal(refused.status, 400);
    await waitForTags(ctx.baseUrl, ['00081010'], 'gone');
    const range = `PartitionKey ge '00081010' and PartitionKey lt '00081011'`;
    assert.ok((await ctx.probe.entities('IxExtTags', range)).length === 0, 'index entries left');
    assert.ok((await ctx.probe.entities('IxExtTagValues', range)).length === 0, 'value rows left');
    assert.equal((await eqtRequest(ctx.baseUrl, 'DELETE', '/v2/extendedquerytags/StationName')).status, 404);
    // Added again: a fresh definition, reindexed, that finds what is stored.
    const again = await post([{ path: 'StationName', level: 'Series' }]);
    assert.equal(again.status, 202, again.text);
    await waitForTags(ctx.baseUrl, ['00081010'], 'ready');
    assert.deepEqual(await studies('/v2/series?StationName=STATION4'), [at(4).study]);
    const exists = await post([
      { path: 'ModelGroupUID', level: 'Study' },
      { path: 'StationName', level: 'Series' },
    ]);
    assert.equal(exists.status, 409);
    assert.equal(exists.text, 'One or more extended query tags already exist.');
    assert.equal(await getTag(ctx.baseUrl, 'ModelGroupUID'), undefined, 'nothing of a refused POST is added');
  });
});
