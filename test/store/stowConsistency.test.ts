// Store atomicity (docs/consistency.md): duplicates under concurrency, abandoned attempts, the change feed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom } from '../support/dicomFactory';
import { firstValue, sequence, stowFiles } from '../support/stowClient';
import { storedFeedEvents } from '../support/feedRows';
import { useTestServer } from '../support/serverFixture';
import { insertCommitRecord, insertReservation, newInstanceKey } from '../support/storeAttempts';

describe('STOW-RS consistency', () => {
  const ctx = useTestServer();
  const studies = (): string => `${ctx.baseUrl}/v2/studies`;

  test('the same instance stored twice at once: one 200, one 409 (45070 or 45071)', async () => {
    for (let round = 0; round < 5; round += 1) {
      const file = makeDicom({ pixelDataBytes: 256 * 1024 });
      const results = await Promise.all([stowFiles(studies(), [file]), stowFiles(studies(), [file])]);
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 409], results.map((r) => r.text).join('\n'));
      const loser = results.find((r) => r.status === 409);
      const reason = firstValue(sequence(loser?.json, Tag.FailedSOPSequence)[0], Tag.FailureReason);
      assert.ok(reason === 45070 || reason === 45071, `reason ${String(reason)}`);
    }
  });

  test('an attempt abandoned by a dead process does not lock the instance: a retry takes over', async () => {
    const key = newInstanceKey();
    const { studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop } = key;
    const instances = ctx.probe.table('Instances');
    await insertReservation(ctx.probe, key, 'dead-attempt', -60_000);
    await ctx.probe.container
      .getBlockBlobClient(`${study}/${series}/${sop}/dead-attempt/file.dcm`)
      .upload('partial', 7);
    const file = makeDicom({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop });
    const result = await stowFiles(studies(), [file]);
    assert.equal(result.status, 200, result.text);
    const entity = await instances.getEntity<{ State: string; Version: string }>(study, `${series}|${sop}`);
    assert.equal(entity.State, 'created');
    assert.notEqual(entity.Version, 'dead-attempt');
    await waitFor(async () => (await ctx.probe.blobNames(`${study}/${series}/${sop}/dead-attempt/`)).length === 0);
  });

  test('an attempt still holding its lease answers 45071', async () => {
    const key = newInstanceKey();
    await insertReservation(ctx.probe, key, 'live-attempt', 60_000);
    const file = makeDicom(key);
    const result = await stowFiles(studies(), [file]);
    assert.equal(result.status, 409, result.text);
    assert.equal(firstValue(sequence(result.json, Tag.FailedSOPSequence)[0], Tag.FailureReason), 45071);
  });

  test('an attempt that died after its change-feed commit is rolled forward; its re-store answers success once', async () => {
    const key = newInstanceKey();
    const { studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop } = key;
    await insertReservation(ctx.probe, key, 'committed-attempt', -60_000);
    await insertCommitRecord(ctx.probe, 'committed-attempt', 999_999);
    const file = makeDicom({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop });
    // The dead attempt's request never answered: this store completes it and answers as a store.
    const result = await stowFiles(studies(), [file]);
    assert.equal(result.status, 200, result.text);
    assert.equal(sequence(result.json, Tag.FailedSOPSequence).length, 0);
    const referenced = sequence(result.json, Tag.ReferencedSOPSequence);
    assert.deepEqual(
      referenced.map((r) => firstValue(r, Tag.ReferencedSOPInstanceUID)),
      [sop],
    );
    const entity = await ctx.probe
      .table('Instances')
      .getEntity<{ State: string; Version: string; Sequence: number; Recovered?: boolean }>(study, `${series}|${sop}`);
    assert.deepEqual(
      [entity.State, entity.Version, entity.Sequence, entity.Recovered],
      ['created', 'committed-attempt', 999_999, false],
    );
    const found = await fetch(`${ctx.baseUrl}/v2/studies?StudyInstanceUID=${study}`);
    assert.equal(found.status, 200, 'searchable once the re-store answered');
    // Now it is complete and its store has answered: a duplicate.
    const again = await stowFiles(studies(), [file]);
    assert.equal(again.status, 409, again.text);
    assert.equal(firstValue(sequence(again.json, Tag.FailedSOPSequence)[0], Tag.FailureReason), 45070);
  });

  test('concurrent stores get gapless, unique change-feed sequences', async () => {
    const before = await feedSequences();
    const files = Array.from({ length: 60 }, () => makeDicom());
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stowFiles(studies(), files.slice(i * 5, i * 5 + 5))),
    );
    assert.ok(results.every((r) => r.status === 200));
    const all = await feedSequences();
    const added = all.slice(before.length);
    assert.equal(added.length, 60);
    all.forEach((sequenceNumber, i) => assert.equal(sequenceNumber, i + 1, 'sequences start at 1 with no gap'));
    const counter = await ctx.probe.table('ChangeFeed').getEntity<{ Last: number }>('feed', 'counter');
    assert.equal(Number(counter.Last), all.length);
  });

  async function feedSequences(): Promise<number[]> {
    return (await storedFeedEvents(ctx.probe)).map((e) => e.sequence);
  }
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
