// Start-up recovery (docs/consistency.md, "Recovery at start-up"): what a crash left half-visible
// is made fully visible, what may belong to a live attempt is left alone, and a re-store of an
// instance whose store was interrupted answers success once, then 45070.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import { requestOfVersion, versionPrefix, type InstanceKey } from '../../shared/storage/blobLayout';
import { getInstanceRecord, reservationEntity } from '../../shared/storage/instanceRecords';
import { judgeCreated } from '../../shared/store/interruptedStore';
import { recoverAtStartup, type StartupRecoveryResult } from '../../shared/store/startupRecovery';
import { makeVisible } from '../../shared/store/visibility';
import { makeDicom } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import {
  insertCommitRecord,
  insertPendingMarker,
  insertReservation,
  instanceRowKey,
  newInstanceKey,
} from '../support/storeAttempts';
import { firstValue, sequence, stowFiles } from '../support/stowClient';
import { PENDING_MARKERS_FILTER } from '../../shared/storage/instanceRecords';

describe('start-up recovery', () => {
  const ctx = useTestServer();
  const logs: string[] = [];

  function recover(staleBefore = new Date(Date.now() - 60_000)): Promise<StartupRecoveryResult> {
    // Every marker the test wrote, whatever timestamp the table service gave it.
    const writtenBefore = new Date(Date.now() + 5_000);
    return recoverAtStartup(
      { budgetMs: 20_000, listTimeoutMs: 5_000, staleBefore, concurrency: 8, writtenBefore },
      (m) => logs.push(m),
    );
  }

  async function store(key: InstanceKey): Promise<Buffer> {
    const file = makeDicom({ ...key, pixelDataBytes: 2048 });
    const result = await stowFiles(`${ctx.baseUrl}/v2/studies`, [file]);
    assert.equal(result.status, 200, result.text);
    return file;
  }

  async function entityOf(key: InstanceKey) {
    return ctx.probe
      .table('Instances')
      .getEntity<{ State: string; Version: string; Recovered?: boolean }>(key.studyInstanceUid, instanceRowKey(key));
  }

  /** What a crash between the visibility change and the search refresh leaves: no summary, the marker. */
  async function forgetSummary(key: InstanceKey, version: string): Promise<void> {
    for (const row of await ctx.probe.entities('Studies', `PartitionKey eq '${key.studyInstanceUid}'`)) {
      await ctx.probe.table('Studies').deleteEntity(row.partitionKey, row.rowKey);
    }
    await insertPendingMarker(ctx.probe, key, version);
  }

  async function studyFound(key: InstanceKey): Promise<boolean> {
    const response = await fetch(`${ctx.baseUrl}/v2/studies?StudyInstanceUID=${key.studyInstanceUid}`);
    await response.arrayBuffer();
    return response.status === 200;
  }

  async function retrieved(key: InstanceKey): Promise<Buffer | undefined> {
    const response = await fetch(
      `${ctx.baseUrl}/v2/studies/${key.studyInstanceUid}/series/${key.seriesInstanceUid}/instances/${key.sopInstanceUid}`,
      { headers: { Accept: 'application/dicom; transfer-syntax=*' } },
    );
    const body = Buffer.from(await response.arrayBuffer());
    return response.status === 200 ? body : undefined;
  }

  /** Markers covering the instance: its own (earlier releases, deletes) or its study's request markers. */
  async function markerCount(key: InstanceKey): Promise<number> {
    const markers = await ctx.probe.entities('Instances', PENDING_MARKERS_FILTER);
    return markers.filter(
      (m) =>
        m.sopInstanceUid === key.sopInstanceUid ||
        (m.Kind === 'request' && m.studyInstanceUid === key.studyInstanceUid),
    ).length;
  }

  /** A re-store answers success (200, referenced, no failure) once, then 45070. */
  async function assertRestoreRepairsOnce(key: InstanceKey, file: Buffer): Promise<void> {
    const first = await stowFiles(`${ctx.baseUrl}/v2/studies`, [file]);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(sequence(first.json, Tag.FailedSOPSequence), []);
    assert.deepEqual(
      sequence(first.json, Tag.ReferencedSOPSequence).map((r) => firstValue(r, Tag.ReferencedSOPInstanceUID)),
      [key.sopInstanceUid],
    );
    const second = await stowFiles(`${ctx.baseUrl}/v2/studies`, [file]);
    assert.equal(second.status, 409, second.text);
    assert.equal(firstValue(sequence(second.json, Tag.FailedSOPSequence)[0], Tag.FailureReason), 45070);
  }

  test('rolls forward a committed attempt whose lease is still held', async () => {
    const key = newInstanceKey();
    const file = await store(key);
    const { Version: version } = await entityOf(key);
    // A crash between the change-feed commit and the visibility change, its lease not yet run out.
    await ctx.probe
      .table('Instances')
      .updateEntity(reservationEntity(key, version, new Date(Date.now() + 60_000)), 'Replace');
    await forgetSummary(key, version);
    assert.equal(await retrieved(key), undefined, 'not visible before recovery');

    const result = await recover();
    assert.ok(result.rolledForward >= 1, JSON.stringify(result));
    const entity = await entityOf(key);
    assert.deepEqual([entity.State, entity.Version, entity.Recovered], ['created', version, true]);
    const expected = Buffer.from(file);
    expected.fill(0, 0, 128);
    assert.ok((await retrieved(key))?.equals(expected), 'retrievable byte for byte');
    assert.equal(await studyFound(key), true, 'searchable');
    assert.equal(await markerCount(key), 1, 'its request may still be storing: the marker goes once it is a lease old');
    await recover(new Date(Date.now() + 1000));
    assert.equal(await markerCount(key), 0);

    await assertRestoreRepairsOnce(key, file);
    assert.equal((await entityOf(key)).Recovered, false);
  });

  test("one request's marker settles each of its attempts by its own state", async () => {
    // Two instances of one study in one request: attempt versions {request}.0 and {request}.1.
    const study = newInstanceKey().studyInstanceUid;
    const visible = { ...newInstanceKey(), studyInstanceUid: study };
    const committed = { ...newInstanceKey(), studyInstanceUid: study };
    const files = [visible, committed].map((key) => makeDicom({ ...key, pixelDataBytes: 1024 }));
    const stored = await stowFiles(`${ctx.baseUrl}/v2/studies`, files);
    assert.equal(stored.status, 200, stored.text);
    const versions = [(await entityOf(visible)).Version, (await entityOf(committed)).Version];
    const requestVersion = requestOfVersion(versions[0] ?? '');
    assert.ok(requestVersion !== undefined && versions.every((v) => requestOfVersion(v) === requestVersion));
    // The crash: one attempt committed but not yet visible, a third one uploaded but not committed.
    await ctx.probe
      .table('Instances')
      .updateEntity(reservationEntity(committed, versions[1] ?? '', new Date(Date.now() + 60_000)), 'Replace');
    const uncommitted = { ...newInstanceKey(), studyInstanceUid: study };
    const uncommittedVersion = `${requestVersion}.9`;
    await insertReservation(ctx.probe, uncommitted, uncommittedVersion, -1000);
    const blob = `${versionPrefix(uncommitted, uncommittedVersion)}file.dcm`;
    await ctx.probe.container.getBlockBlobClient(blob).upload('bytes', 5);
    await insertPendingMarker(ctx.probe, visible, versions[0] ?? '');

    const result = await recover(new Date(Date.now() + 1000));
    assert.equal(result.rolledForward, 1, JSON.stringify(result));
    assert.deepEqual([(await entityOf(visible)).State, (await entityOf(visible)).Recovered], ['created', true]);
    assert.deepEqual([(await entityOf(committed)).State, (await entityOf(committed)).Recovered], ['created', true]);
    assert.ok(await retrieved(committed), 'the committed attempt is retrievable');
    await assert.rejects(entityOf(uncommitted), 'the uncommitted attempt is rolled back');
    assert.deepEqual(await ctx.probe.blobNames(blob), []);
    assert.equal(await markerCount(visible), 0, 'nothing left under the marker: it is removed');
  });

  test('refreshes the study of a visible instance whose request died before refreshing it', async () => {
    const key = newInstanceKey();
    const file = await store(key);
    const { Version: version } = await entityOf(key);
    await forgetSummary(key, version);
    assert.equal(await studyFound(key), false, 'retrievable but not searchable before recovery');

    await recover(new Date(Date.now() + 1000));
    assert.equal(await studyFound(key), true);
    assert.equal((await entityOf(key)).Recovered, true);
    assert.equal(await markerCount(key), 0);
    await assertRestoreRepairsOnce(key, file);
  });

  test('leaves what may belong to a live attempt, rolls back what is stale', async () => {
    const young = newInstanceKey();
    await insertPendingMarker(ctx.probe, young, 'v-reserving');
    const blob = `${young.studyInstanceUid}/${young.seriesInstanceUid}/${young.sopInstanceUid}/v-reserving/file.dcm`;
    await ctx.probe.container.getBlockBlobClient(blob).upload('bytes', 5);
    const held = newInstanceKey();
    await insertReservation(ctx.probe, held, 'v-held', 60_000);
    await insertPendingMarker(ctx.probe, held, 'v-held');

    await recover();
    assert.equal(await markerCount(young), 1, 'a marker whose reservation may be on its way stays');
    assert.deepEqual(await ctx.probe.blobNames(blob), [blob]);
    assert.equal(await markerCount(held), 1, 'an uncommitted attempt holding its lease stays');
    assert.equal((await entityOf(held)).State, 'creating');

    // Once the marker is older than a lease with still no reservation, its attempt is dead.
    await recover(new Date(Date.now() + 1000));
    assert.equal(await markerCount(young), 0);
    assert.deepEqual(await ctx.probe.blobNames(blob), []);
    assert.equal(await markerCount(held), 1, 'a held lease is never rolled back');
  });

  test('the owner of an attempt recovery rolled forward makes it visible without error, and answers for it', async () => {
    const key = newInstanceKey();
    await insertReservation(ctx.probe, key, 'v-owner', 60_000);
    const ownerEtag = (await getInstanceRecord(key))?.etag ?? '';
    await insertCommitRecord(ctx.probe, 'v-owner', 777_777);
    await insertPendingMarker(ctx.probe, key, 'v-owner');
    await recover();
    assert.deepEqual([(await entityOf(key)).State, (await entityOf(key)).Recovered], ['created', true]);

    // The owner's own visibility change, with the ETag of its lease: 412, yet its version is created.
    await makeVisible(key, ownerEtag, 'v-owner', { Sequence: 777_777 });
    assert.equal((await entityOf(key)).Recovered, false, 'the owner answers, so a re-store is a duplicate');
    await assert.rejects(makeVisible(key, ownerEtag, 'v-other', {}), 'another version is no success');
  });

  test('a created instance whose store marker outlived a lease is repaired by the next store, once', async () => {
    const key = newInstanceKey();
    await store(key);
    const { Version: version } = await entityOf(key);
    await forgetSummary(key, version);
    const record = await getInstanceRecord(key);
    assert.ok(record);
    assert.equal(await judgeCreated(record, 60_000), 'exists', 'a young marker may be a request answering now');
    assert.equal(await judgeCreated(record, 0), 'repaired');
    assert.equal(await studyFound(key), true);
    assert.equal(await markerCount(key), 0);
    assert.equal(await judgeCreated(record, 0), 'exists');
  });

  test('storage that does not answer in time leaves everything to the sweeper', async () => {
    const key = newInstanceKey();
    await insertReservation(ctx.probe, key, 'v-later', -1000);
    await insertPendingMarker(ctx.probe, key, 'v-later');
    const result = await recoverAtStartup(
      { budgetMs: 0, listTimeoutMs: 0, staleBefore: new Date(), concurrency: 8 },
      (m) => logs.push(m),
    );
    assert.equal(result.complete, false);
    assert.equal(await markerCount(key), 1);
    // Whether the listing's zero timeout or the zero budget fires first depends on scheduling.
    assert.match(logs.at(-1) ?? '', /could not list pending stores|unsettled; the sweeper finishes them/);
  });
});
