// QIDO-RS matching over HTTP: exact, person names, dates, fuzzy, wildcards, UID lists, modalities,
// attributes of higher levels, combinations, the OHIF study list, and 400s naming the parameter.
// Every test searches one fixed set of five studies, so each expects an exact set of results.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { useTestServer } from '../support/serverFixture';
import {
  expectBadRequest,
  expectNone,
  OHIF_ACCEPT,
  results,
  sorted,
  storeAll,
  studyFiles,
  T,
  uidsOf,
  value,
  values,
  type StudyUids,
} from './searchSupport';

const UTF8 = { tag: T.SpecificCharacterSet, vr: 'CS', value: 'ISO_IR 192' };

describe('QIDO-RS matching', () => {
  const ctx = useTestServer();
  const fixtures = {
    a: studyFiles(
      {
        patientName: 'Doe^John',
        patientId: 'PID-A123',
        studyDate: '20240115',
        accessionNumber: 'ACC-A',
        referringPhysicianName: 'House^Gregory',
        studyDescription: 'CT Chest with contrast',
        patientBirthDate: '19700101',
      },
      [
        { modality: 'CT', manufacturerModelName: 'Revolution', performedProcedureStepStartDate: '20240115' },
        { modality: 'SR', performedProcedureStepStartDate: '20240116' },
      ],
    ),
    b: studyFiles(
      {
        patientName: 'Smith^Jane',
        patientId: 'PID-B456',
        studyDate: '20240601',
        accessionNumber: 'ACC-B',
        referringPhysicianName: 'Wilson^James',
        studyDescription: 'MR Brain',
        patientBirthDate: '19851231',
      },
      [{ modality: 'MR', manufacturerModelName: 'Prisma', performedProcedureStepStartDate: '20240601' }],
    ),
    c: studyFiles(
      {
        patientName: 'Müller^Hans',
        patientId: 'PID-C789',
        studyDate: '20231231',
        studyDescription: 'Knee X-Ray',
        patientBirthDate: '20000229',
      },
      [{ modality: 'CR', instances: 1 }, { modality: 'CT' }],
      { elements: [UTF8] },
    ),
    d: studyFiles(
      {
        patientName: 'Blacksmith^Anna',
        patientId: 'X-1234-Y',
        studyDate: '20241105',
        studyDescription: 'CT Abdomen',
      },
      [{ modality: 'CT' }, { modality: 'PT' }],
    ),
    e: studyFiles(
      { patientName: 'Smyth^Bob', patientId: 'PID-E000', studyDate: '20240101', studyDescription: 'Follow-up' },
      [{ modality: 'US' }],
    ),
  };
  type Key = keyof typeof fixtures;
  const u = (key: Key): StudyUids => fixtures[key].uids;
  const studiesOf = (...keys: Key[]) => sorted(keys.map((k) => u(k).study));

  before(async () => {
    await storeAll(
      ctx.baseUrl,
      Object.values(fixtures).flatMap((f) => f.files),
    );
  });

  /** Asserts the studies `/v2/studies?query` returns (204 when none). */
  async function studies(query: string, ...expected: Key[]): Promise<void> {
    const path = `/v2/studies?${query}`;
    if (expected.length === 0) return expectNone(ctx.baseUrl, path);
    assert.deepEqual(uidsOf(await results(ctx.baseUrl, path), T.StudyInstanceUID), studiesOf(...expected), query);
  }

  test('exact matching is case-insensitive, by keyword or by tag', async () => {
    await studies('PatientID=pid-b456', 'b');
    await studies('PatientID=PID-B456', 'b');
    await studies('00100020=pid-b456', 'b');
    await studies('00100020=PID-C789', 'c');
    await studies('AccessionNumber=acc-a', 'a');
    await studies('00080050=ACC-B', 'b');
    await studies('StudyDescription=mr brain', 'b');
    await studies('ReferringPhysicianName=wilson^james', 'b');
    await studies('PatientID=PID-B45');
    await studies('PatientID=PID-B4567');
  });

  test('person names: case- and accent-insensitive, exact on the whole name', async () => {
    await studies('PatientName=MULLER^HANS', 'c');
    await studies(`PatientName=${encodeURIComponent('Müller^Hans')}`, 'c');
    await studies(`PatientName=${encodeURIComponent('müller^hans')}`, 'c');
    await studies('PatientName=smith^jane', 'b');
    await studies('00100010=DOE^JOHN', 'a');
    await studies('PatientName=Smith');
    await studies('PatientName=Doe^Jo');
  });

  test('date ranges: a-b, a-, -b and a single date, inclusive at both ends', async () => {
    await studies('StudyDate=20240101-20240131', 'a', 'e');
    await studies('StudyDate=20240115-20240601', 'a', 'b');
    await studies('StudyDate=20240601-', 'b', 'd');
    await studies('StudyDate=-20231231', 'c');
    await studies('StudyDate=20240101', 'e');
    await studies('00080020=20241105', 'd');
    await studies('StudyDate=20200101-20201231');
    await studies('PatientBirthDate=19800101-19900101', 'b');
    await studies('PatientBirthDate=20000229', 'c');
    const series = await results(ctx.baseUrl, '/v2/series?PerformedProcedureStepStartDate=20240101-20240115');
    assert.deepEqual(uidsOf(series, T.SeriesInstanceUID), [u('a').series[0]]);
  });

  test('fuzzymatching=true matches word prefixes of the name, not inner text', async () => {
    await studies('PatientName=joh&fuzzymatching=true', 'a');
    await studies('PatientName=do&fuzzymatching=true', 'a');
    await studies('PatientName=jo%20do&fuzzymatching=true', 'a');
    await studies('fuzzymatching=true&PatientName=JOHN', 'a');
    await studies('PatientName=mul&fuzzymatching=true', 'c');
    await studies('PatientName=ohn&fuzzymatching=true');
    await studies('PatientName=jo%20smith&fuzzymatching=true');
    await studies('ReferringPhysicianName=greg&fuzzymatching=true', 'a');
    // Without fuzzy matching, a name prefix is no match.
    await studies('PatientName=joh');
  });

  test('wildcards: *substring*, prefix*, and ? for one character', async () => {
    await studies('PatientName=*smith*', 'b', 'd');
    await studies('PatientName=SMI*', 'b');
    await studies('PatientName=sm?th*', 'b', 'e');
    await studies('PatientName=sm?th');
    await studies('PatientName=*hans', 'c');
    await studies('PatientID=*123*', 'a', 'd');
    await studies('PatientID=PID-?123', 'a');
    await studies('PatientID=*E00?', 'e');
    await studies('StudyDescription=*brain*', 'b');
    await studies('StudyDescription=ct*', 'a', 'd');
    await studies('StudyDescription=*x-ray', 'c');
    await studies('AccessionNumber=ACC-?', 'a', 'b');
    await studies('PatientName=*zzz*');
  });

  test('UID lists with , and \\ at every level', async () => {
    const [a, b, c] = [u('a'), u('b'), u('c')];
    await studies(`StudyInstanceUID=${a.study},${b.study}`, 'a', 'b');
    await studies(`StudyInstanceUID=${a.study}%5C${c.study}`, 'a', 'c');
    await studies(`StudyInstanceUID=${a.study},1.2.3.4.5`, 'a');
    const seriesList = [a.series[1] ?? '', b.series[0] ?? ''];
    const series = await results(ctx.baseUrl, `/v2/series?SeriesInstanceUID=${seriesList.join('%5C')}`);
    assert.deepEqual(uidsOf(series, T.SeriesInstanceUID), sorted(seriesList));
    const inStudy = await results(
      ctx.baseUrl,
      `/v2/studies/${a.study}/series?SeriesInstanceUID=${seriesList.join(',')}`,
    );
    assert.deepEqual(uidsOf(inStudy, T.SeriesInstanceUID), [a.series[1]]);
    const sops = [a.sops[0] ?? '', c.sops[1] ?? '', b.sops[0] ?? ''];
    const instances = await results(ctx.baseUrl, `/v2/instances?SOPInstanceUID=${sops.join(',')}`);
    assert.deepEqual(uidsOf(instances, T.SOPInstanceUID), sorted(sops));
    const studyInstances = await results(
      ctx.baseUrl,
      `/v2/studies/${c.study}/instances?SOPInstanceUID=${sops.join('%5C')}`,
    );
    assert.deepEqual(uidsOf(studyInstances, T.SOPInstanceUID), [c.sops[1]]);
  });

  test('ModalitiesInStudy at study level; Modality and model at series level', async () => {
    await studies('ModalitiesInStudy=CT', 'a', 'c', 'd');
    await studies('ModalitiesInStudy=ct', 'a', 'c', 'd');
    await studies('ModalitiesInStudy=PT', 'd');
    await studies('ModalitiesInStudy=MG');
    const ct = await results(ctx.baseUrl, '/v2/series?Modality=CT');
    assert.deepEqual(
      uidsOf(ct, T.SeriesInstanceUID),
      sorted([u('a').series[0], u('c').series[1], u('d').series[0]].map(String)),
    );
    for (const s of ct) assert.equal(value(s, T.Modality), 'CT');
    const model = await results(ctx.baseUrl, '/v2/series?ManufacturerModelName=prisma');
    assert.deepEqual(uidsOf(model, T.SeriesInstanceUID), [u('b').series[0]]);
    const inStudy = await results(ctx.baseUrl, `/v2/studies/${u('d').study}/series?Modality=PT`);
    assert.deepEqual(uidsOf(inStudy, T.SeriesInstanceUID), [u('d').series[1]]);
    const instances = await results(ctx.baseUrl, `/v2/studies/${u('a').study}/instances?Modality=SR`);
    assert.deepEqual(uidsOf(instances, T.SOPInstanceUID), [u('a').sops[1]]);
  });

  test('study attributes filter /series and /instances', async () => {
    const series = await results(ctx.baseUrl, '/v2/series?PatientID=PID-A123');
    assert.deepEqual(uidsOf(series, T.SeriesInstanceUID), sorted(u('a').series));
    const instances = await results(ctx.baseUrl, '/v2/instances?PatientID=pid-c789');
    assert.deepEqual(uidsOf(instances, T.SOPInstanceUID), sorted(u('c').sops));
    for (const i of instances) assert.equal(value(i, T.PatientID), 'PID-C789');
    const byName = await results(ctx.baseUrl, '/v2/instances?PatientName=*smith*');
    assert.deepEqual(uidsOf(byName, T.SOPInstanceUID), sorted([...u('b').sops, ...u('d').sops]));
    const byDate = await results(ctx.baseUrl, '/v2/series?StudyDate=20240601-');
    assert.deepEqual(uidsOf(byDate, T.SeriesInstanceUID), sorted([...u('b').series, ...u('d').series]));
    const byStudyModality = await results(ctx.baseUrl, '/v2/series?ModalitiesInStudy=PT');
    assert.deepEqual(uidsOf(byStudyModality, T.SeriesInstanceUID), sorted(u('d').series));
  });

  test('two filters together: both must match', async () => {
    await studies('ModalitiesInStudy=CT&StudyDate=20240101-20241231', 'a', 'd');
    await studies('PatientName=*smith*&StudyDate=-20240731', 'b');
    await studies('PatientID=PID-A123&StudyDate=20240601');
    await studies('AccessionNumber=ACC-A&ModalitiesInStudy=SR', 'a');
    const series = await results(ctx.baseUrl, '/v2/series?Modality=CT&PatientID=X-1234-Y');
    assert.deepEqual(uidsOf(series, T.SeriesInstanceUID), [u('d').series[0]]);
    await expectNone(ctx.baseUrl, '/v2/series?Modality=MR&PatientID=X-1234-Y');
    const instances = await results(ctx.baseUrl, `/v2/instances?Modality=CT&StudyDate=-20231231`);
    assert.deepEqual(uidsOf(instances, T.SOPInstanceUID), [u('c').sops[1]]);
  });

  test("OHIF's study list query", async () => {
    const query =
      'PatientName=*smith*&PatientID=*123*&ModalitiesInStudy=CT&StudyDate=20240101-20241231' +
      '&includefield=00081030,00080060&limit=101&offset=0';
    const found = await results(ctx.baseUrl, `/v2/studies?${query}`, { Accept: OHIF_ACCEPT });
    assert.deepEqual(uidsOf(found, T.StudyInstanceUID), [u('d').study]);
    const [d] = found;
    assert.equal(value(d, T.StudyDescription), 'CT Abdomen');
    assert.deepEqual(values(d, T.ModalitiesInStudy), ['CT', 'PT']);
    assert.equal(value(d, T.PatientName), 'Blacksmith^Anna');
    assert.equal(value(d, T.PatientID), 'X-1234-Y');
    assert.equal(value(d, T.StudyDate), '20241105');
  });

  test('400 naming the parameter for what the service would not honour', async () => {
    const study = u('a').study;
    const cases: [string, string][] = [
      ['/v2/studies?FooBar=1', 'FooBar'],
      ['/v2/studies?SOPInstanceUID=1.2.3', 'SOPInstanceUID'],
      ['/v2/studies?Modality=CT', 'Modality'],
      [`/v2/studies/${study}/series?PatientName=Doe`, 'PatientName'],
      [`/v2/studies/${study}/series?SOPInstanceUID=1.2.3`, 'SOPInstanceUID'],
      ['/v2/studies?0010001G=x', '0010001G'],
      ['/v2/studies?StudyDate=2024', 'StudyDate'],
      ['/v2/studies?StudyDate=20241301', 'StudyDate'],
      ['/v2/studies?StudyDate=20240230', 'StudyDate'],
      ['/v2/studies?StudyDate=20240101-20230101', 'StudyDate'],
      ['/v2/studies?StudyDate=-', 'StudyDate'],
      ['/v2/studies?PatientID=', 'PatientID'],
      ['/v2/studies?StudyInstanceUID=1.2.*', 'StudyInstanceUID'],
      ['/v2/studies?limit=0', 'limit'],
      ['/v2/studies?limit=201', 'limit'],
      ['/v2/studies?limit=abc', 'limit'],
      ['/v2/studies?offset=-1', 'offset'],
      ['/v2/studies?fuzzymatching=maybe&PatientName=doe', 'fuzzymatching'],
      ['/v2/studies?includefield=NotAKeyword', 'includefield'],
      ['/v2/series?includefield=StudyDate,Nope', 'includefield'],
    ];
    for (const [path, parameter] of cases) await expectBadRequest(ctx.baseUrl, path, parameter);
  });
});
