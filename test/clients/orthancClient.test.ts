// Orthanc (Debian's orthanc + orthanc-dicomweb) as a DICOMweb client of our server, configured with
// nothing but our base URL: it stores a study with STOW-RS, searches it through its QIDO-RS proxy
// and pulls it back with WADO-RS. Orthanc is installed with apt-get when missing (root only).
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { readFixture, TUTORIAL } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import { firstValue } from '../support/stowClient';
import { asStored, get } from '../retrieve/retrieveSupport';
import { ensureOrthanc, type InstallOutcome } from './orthanc/install';
import { OrthancRest } from './orthanc/orthancRest';
import { startOrthanc, type OrthancServer } from './orthanc/orthancServer';

/** The peer's name in Orthanc's DicomWeb.Servers. */
const PEER = 'ours';
const INSTANCES = [TUTORIAL.greenSquare, TUTORIAL.redTriangle, TUTORIAL.blueCircle];
const ANY_SYNTAX = 'application/dicom; transfer-syntax=*';
/** apt-get (up to its own time-outs) and Orthanc's start-up. */
const SETUP_TIMEOUT_MS = 10 * 60_000;
/** Each step is a few seconds; a hung Orthanc or server must not hang npm test. */
const STEP_TIMEOUT_MS = 60_000;
/** Where a CI run must not silently lose this test. */
const IN_CI = process.env.CI === 'true';

describe('Orthanc as a DICOMweb client of our server', () => {
  const ctx = useTestServer();
  let outcome: InstallOutcome | undefined;
  let installReported = false;
  let orthanc: OrthancServer | undefined;
  let rest: OrthancRest;
  /** Orthanc's identifier of the tutorial study, once uploaded. */
  let orthancStudyId: string;

  before(
    async () => {
      outcome = await ensureOrthanc();
      if (outcome.kind === 'impossible' || outcome.kind === 'failed') {
        if (IN_CI) throw new Error(`CI needs Orthanc for this test: ${outcome.reason}`);
        return;
      }
      orthanc = await startOrthanc(outcome.installation, { dicomWebServers: { [PEER]: `${ctx.baseUrl}/v2/` } });
      rest = new OrthancRest(orthanc.url);
    },
    { timeout: SETUP_TIMEOUT_MS },
  );
  after(() => orthanc?.stop());

  /** Skips (outside CI) when Orthanc could not be installed; true when the test may go on. */
  function orthancReady(t: TestContext): boolean {
    if (outcome?.kind === 'installed' && !installReported) {
      t.diagnostic(`apt-get installed Orthanc in ${outcome.seconds.toFixed(1)} s`);
      installReported = true;
    }
    if (orthanc) return true;
    t.skip(outcome && 'reason' in outcome ? outcome.reason : 'Orthanc did not start');
    return false;
  }

  /** Orthanc's log in the failure message: what it sent and what it made of our answer. */
  async function withLog<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw new Error(`${(error as Error).message}\nOrthanc's log:\n${orthanc?.logTail() ?? ''}`, { cause: error });
    }
  }

  test('stores the study into our server (STOW-RS)', { timeout: STEP_TIMEOUT_MS }, async (t) => {
    if (!orthancReady(t)) return;
    for (const instance of INSTANCES) {
      const stored = await rest.uploadInstance(readFixture(instance.file));
      assert.equal(stored.Status, 'Success');
      orthancStudyId = stored.ParentStudy;
    }

    const stow = await withLog(() =>
      rest.json<{ InstancesCount?: string }>('POST', `/dicom-web/servers/${PEER}/stow`, {
        Resources: [orthancStudyId],
      }),
    );
    assert.equal(stow.InstancesCount, String(INSTANCES.length));

    const search = await get(`${ctx.baseUrl}/v2/studies/${TUTORIAL.studyUid}/instances`, {
      Accept: 'application/dicom+json',
    });
    assert.equal(search.status, 200);
    const found = ((await search.json()) as DicomJsonDataset[]).map((row) => firstValue(row, Tag.SOPInstanceUID));
    assert.deepEqual(found.sort(), INSTANCES.map((i) => i.sopUid).sort());

    for (const instance of INSTANCES) {
      const url = `${ctx.baseUrl}/v2/studies/${TUTORIAL.studyUid}/series/${instance.seriesUid}/instances/${instance.sopUid}`;
      const response = await get(url, { Accept: ANY_SYNTAX });
      assert.equal(response.status, 200);
      const body = Buffer.from(await response.arrayBuffer());
      assert.ok(
        body.equals(asStored(readFixture(instance.file))),
        `${instance.file} is not the fixture with its preamble zeroed`,
      );
    }
  });

  test("finds the study through Orthanc's QIDO-RS proxy", { timeout: STEP_TIMEOUT_MS }, async (t) => {
    if (!orthancReady(t)) return;
    const studies = await withLog(() =>
      rest.json<Record<string, { Value?: unknown }>[]>('POST', `/dicom-web/servers/${PEER}/qido`, { Uri: '/studies' }),
    );
    // The plugin's own shape: tags keyed as in DICOM JSON, each with its Name and a single Value.
    assert.deepEqual(
      studies.map((study) => [study[Tag.StudyInstanceUID]?.Value, study[Tag.PatientName]?.Value]),
      [[TUTORIAL.studyUid, 'Anony Mous']],
    );
  });

  test(
    'retrieves the study back from our server (WADO-RS) after deleting its own copy',
    { timeout: STEP_TIMEOUT_MS },
    async (t) => {
      if (!orthancReady(t)) return;
      await rest.deleteStudy(orthancStudyId);
      assert.deepEqual(await rest.studies(), []);

      const retrieve = await withLog(() =>
        rest.json<{ ReceivedInstancesCount?: string }>('POST', `/dicom-web/servers/${PEER}/retrieve`, {
          Resources: [{ Study: TUTORIAL.studyUid }],
        }),
      );
      assert.equal(retrieve.ReceivedInstancesCount, String(INSTANCES.length));

      const instances = await rest.studyInstances(orthancStudyId);
      const bySop = new Map(instances.map((i) => [i.MainDicomTags.SOPInstanceUID, i.ID]));
      assert.deepEqual([...bySop.keys()].sort(), INSTANCES.map((i) => i.sopUid).sort());
      for (const instance of INSTANCES) {
        const file = await rest.instanceFile(bySop.get(instance.sopUid) ?? '');
        assert.ok(file.equals(asStored(readFixture(instance.file))), `${instance.file} came back changed`);
      }
    },
  );
});
