// QIDO-RS search response: the default attributes of each resource, includefield, includefield=all,
// the computed aggregates (the resource's own level's by default), and study attributes following
// the latest stored instance.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { expectNone, results, storeAll, studyFiles, T, token, uidsOf, value, values } from './searchSupport';

const STUDY_DEFAULTS = [
  T.StudyDate,
  T.AccessionNumber,
  T.ReferringPhysicianName,
  T.StudyDescription,
  T.PatientName,
  T.PatientID,
  T.PatientBirthDate,
  T.StudyInstanceUID,
];
const SERIES_DEFAULTS = [T.Modality, T.ManufacturerModelName, T.SeriesInstanceUID, T.PerformedProcedureStepStartDate];
const INSTANCE_DEFAULTS = [T.SOPInstanceUID];
/** Returned by /studies without being asked (issue 14: OHIF's study list needs them). */
const STUDY_AGGREGATES = [T.ModalitiesInStudy, T.NumberOfStudyRelatedSeries, T.NumberOfStudyRelatedInstances];
/** Returned by /series and a study's series without being asked. */
const SERIES_AGGREGATES = [T.NumberOfSeriesRelatedInstances];

const keys = (dataset: DicomJsonDataset | undefined) => Object.keys(dataset ?? {}).sort();
const tags = (...lists: (readonly string[])[]) => [...new Set(lists.flat())].sort();

describe('QIDO-RS returned attributes', () => {
  const ctx = useTestServer();
  const id = `RET-${token()}`;
  // Every default attribute present, plus "other" ones of each level.
  const full = studyFiles(
    {
      patientName: 'Doe^Jane',
      patientId: id,
      studyDate: '20240202',
      accessionNumber: 'ACC-1',
      referringPhysicianName: 'Ref^Doc',
      studyDescription: 'Everything',
      patientBirthDate: '19900101',
    },
    [{ modality: 'CT', manufacturerModelName: 'Model-1', performedProcedureStepStartDate: '20240202' }],
    {
      elements: [
        { tag: T.SpecificCharacterSet, vr: 'CS', value: 'ISO_IR 192' },
        { tag: T.StudyTime, vr: 'TM', value: '101500' },
        { tag: T.PatientSex, vr: 'CS', value: 'F' },
        { tag: T.StudyID, vr: 'SH', value: 'STUDY-7' },
        { tag: T.SeriesNumber, vr: 'IS', value: '3' },
        { tag: T.SeriesDescription, vr: 'LO', value: 'Axial' },
        { tag: T.InstanceNumber, vr: 'IS', value: '9' },
        // "Other" attributes of the conformance statement beyond the usual ones.
        { tag: T.PatientWeight, vr: 'DS', value: '70' },
        { tag: '00080201', vr: 'SH', value: '+0100' },
        { tag: '00080021', vr: 'DA', value: '20240202' },
        { tag: '00080031', vr: 'TM', value: '101600' },
        { tag: T.Laterality, vr: 'CS', value: 'L' },
      ],
    },
  );
  // Two series, five instances: CT with 3, MR with 2.
  const counted = studyFiles({ patientId: `${id}-COUNT` }, [
    { modality: 'CT', instances: 3 },
    { modality: 'MR', instances: 2 },
  ]);
  const study = full.uids.study;

  before(async () => {
    await storeAll(ctx.baseUrl, [...full.files, ...counted.files]);
  });

  test('/studies returns the study defaults and the study aggregates, nothing else', async () => {
    const [found, ...rest] = await results(ctx.baseUrl, `/v2/studies?PatientID=${id}`);
    assert.equal(rest.length, 0);
    assert.deepEqual(keys(found), tags(STUDY_DEFAULTS, STUDY_AGGREGATES));
    assert.deepEqual(values(found, T.ModalitiesInStudy), ['CT']);
    assert.deepEqual(found?.[T.NumberOfStudyRelatedSeries], { vr: 'IS', Value: [1] });
    assert.deepEqual(found?.[T.NumberOfStudyRelatedInstances], { vr: 'IS', Value: [1] });
    assert.equal(value(found, T.PatientName), 'Doe^Jane');
    assert.equal(value(found, T.StudyDate), '20240202');
    assert.equal(value(found, T.AccessionNumber), 'ACC-1');
    assert.equal(value(found, T.ReferringPhysicianName), 'Ref^Doc');
    assert.equal(value(found, T.StudyDescription), 'Everything');
    assert.equal(value(found, T.PatientBirthDate), '19900101');
    assert.equal(value(found, T.StudyInstanceUID), study);
    assert.equal(found?.[T.PatientName]?.vr, 'PN');
    assert.equal(found?.[T.StudyInstanceUID]?.vr, 'UI');
  });

  test('/series adds the study defaults; /instances adds study and series defaults, no aggregates', async () => {
    const [series] = await results(ctx.baseUrl, `/v2/series?PatientID=${id}`);
    assert.deepEqual(keys(series), tags(STUDY_DEFAULTS, SERIES_DEFAULTS, SERIES_AGGREGATES));
    assert.deepEqual(series?.[T.NumberOfSeriesRelatedInstances], { vr: 'IS', Value: [1] });
    assert.equal(value(series, T.Modality), 'CT');
    assert.equal(value(series, T.ManufacturerModelName), 'Model-1');
    assert.equal(value(series, T.PerformedProcedureStepStartDate), '20240202');
    const [instance] = await results(ctx.baseUrl, `/v2/instances?PatientID=${id}`);
    assert.deepEqual(keys(instance), tags(STUDY_DEFAULTS, SERIES_DEFAULTS, INSTANCE_DEFAULTS));
    assert.equal(value(instance, T.SOPInstanceUID), full.uids.sops[0]);
    // Under a study: that level's defaults and the UIDs of the path.
    const [studySeries] = await results(ctx.baseUrl, `/v2/studies/${study}/series`);
    assert.deepEqual(keys(studySeries), tags(SERIES_DEFAULTS, SERIES_AGGREGATES, [T.StudyInstanceUID]));
    const [seriesInstance] = await results(ctx.baseUrl, `/v2/studies/${study}/series/${full.uids.series[0]}/instances`);
    assert.deepEqual(keys(seriesInstance), tags(INSTANCE_DEFAULTS, [T.StudyInstanceUID, T.SeriesInstanceUID]));
  });

  test('includefield by keyword and by tag, repeated or comma-separated', async () => {
    const [byKeyword] = await results(ctx.baseUrl, `/v2/studies?PatientID=${id}&includefield=StudyTime,PatientSex`);
    assert.deepEqual(keys(byKeyword), tags(STUDY_DEFAULTS, STUDY_AGGREGATES, [T.StudyTime, T.PatientSex]));
    assert.equal(value(byKeyword, T.StudyTime), '101500');
    assert.equal(value(byKeyword, T.PatientSex), 'F');
    const [byTag] = await results(
      ctx.baseUrl,
      `/v2/studies?PatientID=${id}&includefield=00200010&includefield=00201208`,
    );
    assert.deepEqual(keys(byTag), tags(STUDY_DEFAULTS, STUDY_AGGREGATES, [T.StudyID]));
    assert.equal(value(byTag, T.StudyID), 'STUDY-7');
    const [series] = await results(
      ctx.baseUrl,
      `/v2/series?PatientID=${id}&includefield=SeriesNumber,0008103E,NumberOfSeriesRelatedInstances`,
    );
    assert.equal(Number(value(series, T.SeriesNumber)), 3);
    assert.equal(value(series, T.SeriesDescription), 'Axial');
    assert.equal(Number(value(series, T.NumberOfSeriesRelatedInstances)), 1);
    const [instance] = await results(ctx.baseUrl, `/v2/instances?PatientID=${id}&includefield=InstanceNumber`);
    assert.equal(Number(value(instance, T.InstanceNumber)), 9);
  });

  test('includefield=all adds the other attributes the file has and the aggregates', async () => {
    const [found] = await results(ctx.baseUrl, `/v2/studies?PatientID=${id}&includefield=all`);
    for (const tag of [...STUDY_DEFAULTS, T.StudyTime, T.PatientSex, T.StudyID, T.SpecificCharacterSet]) {
      assert.ok(found?.[tag], `study attribute ${tag} with includefield=all`);
    }
    assert.equal(value(found, T.InstanceAvailability), 'ONLINE');
    assert.deepEqual(values(found, T.ModalitiesInStudy), ['CT']);
    assert.equal(Number(value(found, T.NumberOfStudyRelatedSeries)), 1);
    assert.equal(Number(value(found, T.NumberOfStudyRelatedInstances)), 1);
    assert.equal(found?.[T.Modality], undefined, 'no series attribute at study level');
    const [series] = await results(ctx.baseUrl, `/v2/series?PatientID=${id}&includefield=all`);
    assert.equal(Number(value(series, T.SeriesNumber)), 3);
    assert.equal(Number(value(series, T.NumberOfSeriesRelatedInstances)), 1);
    assert.equal(series?.[T.SOPInstanceUID], undefined, 'no instance attribute at series level');
    const [instance] = await results(ctx.baseUrl, `/v2/instances?PatientID=${id}&includefield=all`);
    assert.equal(Number(value(instance, T.InstanceNumber)), 9);
    assert.equal(value(instance, T.SOPClassUID), '1.2.840.10008.5.1.4.1.1.7');
  });

  test('includefield=all also returns the less common "other" attributes: weight, timezone, series date/time, laterality', async () => {
    const [studyAll] = await results(ctx.baseUrl, `/v2/studies?PatientID=${id}&includefield=all`);
    assert.equal(Number(value(studyAll, T.PatientWeight)), 70, 'PatientWeight (0010,1030) at study level');
    assert.equal(value(studyAll, '00080201'), '+0100', 'TimezoneOffsetFromUTC (0008,0201) at study level');
    const [seriesAll] = await results(ctx.baseUrl, `/v2/series?PatientID=${id}&includefield=all`);
    assert.equal(value(seriesAll, '00080021'), '20240202', 'SeriesDate (0008,0021)');
    assert.equal(value(seriesAll, '00080031'), '101600', 'SeriesTime (0008,0031)');
    assert.equal(value(seriesAll, T.Laterality), 'L', 'Laterality (0020,0060)');
  });

  test('aggregates of a study with two series and five instances', async () => {
    const uids = counted.uids;
    const [found] = await results(
      ctx.baseUrl,
      `/v2/studies?StudyInstanceUID=${uids.study}&includefield=NumberOfStudyRelatedInstances,NumberOfStudyRelatedSeries,ModalitiesInStudy`,
    );
    assert.equal(Number(value(found, T.NumberOfStudyRelatedInstances)), 5);
    assert.equal(Number(value(found, T.NumberOfStudyRelatedSeries)), 2);
    assert.deepEqual(values(found, T.ModalitiesInStudy), ['CT', 'MR']);
    assert.equal(found?.[T.NumberOfStudyRelatedInstances]?.vr, 'IS');
    assert.equal(found?.[T.ModalitiesInStudy]?.vr, 'CS');
    for (const path of [
      `/v2/series?StudyInstanceUID=${uids.study}&includefield=NumberOfSeriesRelatedInstances`,
      `/v2/studies/${uids.study}/series?includefield=NumberOfSeriesRelatedInstances`,
    ]) {
      const series = await results(ctx.baseUrl, path);
      const counts = new Map(
        series.map((s) => [value(s, T.SeriesInstanceUID), Number(value(s, T.NumberOfSeriesRelatedInstances))]),
      );
      assert.deepEqual(
        counts,
        new Map([
          [uids.series[0], 3],
          [uids.series[1], 2],
        ]),
        path,
      );
    }
    const instances = await results(ctx.baseUrl, `/v2/studies/${uids.study}/instances`);
    assert.deepEqual(uidsOf(instances, T.SOPInstanceUID), [...uids.sops].sort());
  });

  test('study attributes follow the latest stored instance', async () => {
    const studyUid = newUid();
    const series = newUid();
    const pid = `LATEST-${token()}`;
    const first = newUid();
    const second = newUid();
    const store = (sopInstanceUid: string, patientName: string) =>
      storeAll(ctx.baseUrl, [
        makeDicom({
          studyInstanceUid: studyUid,
          seriesInstanceUid: series,
          sopInstanceUid,
          patientId: pid,
          patientName,
        }),
      ]);
    await store(first, 'Xavier^Old');
    const [before] = await results(ctx.baseUrl, `/v2/studies?StudyInstanceUID=${studyUid}`);
    assert.equal(value(before, T.PatientName), 'Xavier^Old');
    await store(second, 'Yolanda^New');
    const [after] = await results(ctx.baseUrl, `/v2/studies?StudyInstanceUID=${studyUid}`);
    assert.equal(value(after, T.PatientName), 'Yolanda^New');
    assert.equal(
      uidsOf(await results(ctx.baseUrl, '/v2/studies?PatientName=YOLANDA^NEW'), T.StudyInstanceUID)[0],
      studyUid,
    );
    await expectNone(ctx.baseUrl, '/v2/studies?PatientName=Xavier^Old');
    await expectNone(ctx.baseUrl, '/v2/studies?PatientName=xav&fuzzymatching=true');
    await expectNone(ctx.baseUrl, '/v2/instances?PatientName=Xavier^Old');
    const instances = await results(ctx.baseUrl, `/v2/instances?PatientName=Yolanda^New`);
    assert.deepEqual(uidsOf(instances, T.SOPInstanceUID), [first, second].sort());
  });
});
