import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import { entryId, summaryIndexEntries, type IndexEntry } from '../../shared/search/indexEntries';
import { planIndexChanges, planWholeIndex, touchesIndex } from '../../shared/search/indexPlan';
import { summarizeStudy, type StudySummary } from '../../shared/search/studySummary';
import type { StoredStudy } from '../../shared/search/summaryRows';
import { instanceRow } from './instanceRows';

const STUDY = '1.2';

async function summary(...names: string[]): Promise<StudySummary> {
  const rows = names.map((name, i) =>
    instanceRow('1.2.1', i + 1, { [Tag.PatientName]: name, [Tag.Modality]: 'CT', [Tag.StudyDate]: '20240101' }),
  );
  const result = await summarizeStudy(STUDY, rows);
  assert.ok(result);
  return result;
}

function stored(s: StudySummary | undefined, extra: Partial<StoredStudy> = {}): StoredStudy {
  return { summary: s, etag: s ? 'W/"1"' : undefined, indexPending: false, intents: [], ...extra };
}

const ids = (entries: readonly IndexEntry[]) => entries.map(entryId).sort();
const tables = (entries: readonly IndexEntry[]) => [...new Set(entries.map((e) => e.table))].sort();

test('a new study writes every entry of its summary and deletes nothing', async () => {
  const s = await summary('Doe^Jane');
  const plan = planIndexChanges(stored(undefined), s);
  assert.deepEqual(ids(plan.upserts), ids(summaryIndexEntries(s)));
  assert.deepEqual(plan.deletes, []);
});

test('another instance with the same study and series attributes changes no entry, though the counts change', async () => {
  const plan = planIndexChanges(stored(await summary('Doe^Jane')), await summary('Doe^Jane', 'Doe^Jane'));
  assert.equal(touchesIndex(plan), false);
});

test('a changed name writes the keys of the new one and deletes the keys of the old one, nothing else', async () => {
  const before = await summary('Doe^Jane');
  const after = await summary('Doe^Jane', 'Roe^Ann');
  const plan = planIndexChanges(stored(before), after);
  // Entries are bare keys: the date entry, unchanged, is not rewritten.
  const old = new Set(ids(summaryIndexEntries(before)));
  assert.deepEqual(
    ids(plan.upserts),
    ids(summaryIndexEntries(after)).filter((id) => !old.has(id)),
  );
  assert.deepEqual(tables(plan.upserts), ['IxPatNameEq', 'IxPatNameSub', 'IxPatNameWord']);
  assert.ok(plan.upserts.some((e) => e.table === 'IxPatNameSub' && e.partitionKey.startsWith('ANN|')));
  assert.ok(!plan.upserts.some((e) => e.table === 'IxPatNameSub' && e.partitionKey.startsWith('E^JANE|')));
  assert.deepEqual(tables(plan.deletes), ['IxPatNameEq', 'IxPatNameSub', 'IxPatNameWord']);
  assert.ok(plan.deletes.some((e) => e.table === 'IxPatNameWord' && e.partitionKey.startsWith('JANE|')));
  const kept = new Set(ids(summaryIndexEntries(after)));
  assert.ok(
    plan.deletes.every((e) => !kept.has(entryId(e))),
    'nothing the new summary has is deleted',
  );
});

test('a new series of a new modality writes only its own entries and the new modality key', async () => {
  const ct = await summary('Doe^Jane');
  const rows = [
    instanceRow('1.2.1', 1, { [Tag.PatientName]: 'Doe^Jane', [Tag.Modality]: 'CT', [Tag.StudyDate]: '20240101' }),
    instanceRow('1.2.2', 2, { [Tag.PatientName]: 'Doe^Jane', [Tag.Modality]: 'MR', [Tag.StudyDate]: '20240101' }),
  ];
  const both = await summarizeStudy(STUDY, rows);
  assert.ok(both);
  const plan = planIndexChanges(stored(ct), both);
  assert.deepEqual(plan.deletes, []);
  assert.ok(plan.upserts.every((e) => e.rowKey === `${STUDY}|1.2.2` || e.table.startsWith('IxModalities')));
  assert.deepEqual(
    plan.upserts.filter((e) => e.rowKey === STUDY).map((e) => e.partitionKey.split('|')[0]),
    ['MR', 'MR', 'R'],
  );
});

test('a rebuild that rewrites the index writes every entry of an unchanged summary', async () => {
  const s = await summary('Doe^Jane');
  assert.equal(touchesIndex(planIndexChanges(stored(s), s)), false);
  assert.deepEqual(ids(planIndexChanges(stored(s), s, true).upserts), ids(summaryIndexEntries(s)));
});

test('a study that lost its last instance deletes every entry', async () => {
  const before = await summary('Doe^Jane');
  const plan = planIndexChanges(stored(before), undefined);
  assert.deepEqual(plan.upserts, []);
  assert.deepEqual(ids(plan.deletes), ids(summaryIndexEntries(before)));
});

test('after an unfinished refresh every entry is rewritten and recorded intents are carried out', async () => {
  const s = await summary('Doe^Jane');
  const ghost: IndexEntry = { table: 'IxPatNameEq', partitionKey: 'GHOST|0', rowKey: STUDY };
  const readded = summaryIndexEntries(s)[0] as IndexEntry;
  const intents = [ghost, readded].map((entry) => ({ entry, etag: 'W/"2"' }));
  for (const previous of [stored(s, { indexPending: true }), stored(s, { intents })]) {
    const plan = planIndexChanges(previous, s);
    assert.deepEqual(ids(plan.upserts), ids(summaryIndexEntries(s)));
    assert.deepEqual(ids(plan.deletes), previous.intents.length > 0 ? [entryId(ghost)] : []);
  }
});

test('the whole index of a stored study undoes what a racing refresh wrote that it lacks', async () => {
  const current = await summary('Doe^Jane');
  const stale = summaryIndexEntries(await summary('Roe^Ann'));
  const plan = planWholeIndex(stored(current), stale);
  assert.deepEqual(ids(plan.upserts), ids(summaryIndexEntries(current)));
  const kept = new Set(ids(summaryIndexEntries(current)));
  assert.deepEqual(ids(plan.deletes), ids(stale.filter((e) => !kept.has(entryId(e)))));
});

test('summaries keep only their level’s attributes, so a new instance number changes nothing', async () => {
  const a = await summarizeStudy(STUDY, [instanceRow('1.2.1', 1, { [Tag.PatientID]: 'P', [Tag.InstanceNumber]: '1' })]);
  const b = await summarizeStudy(STUDY, [instanceRow('1.2.1', 2, { [Tag.PatientID]: 'P', [Tag.InstanceNumber]: '2' })]);
  assert.deepEqual(a?.attributes, { [Tag.PatientID]: { vr: 'LO', Value: ['P'] } });
  assert.deepEqual(a?.series[0]?.attributes, {});
  assert.equal(touchesIndex(planIndexChanges(stored(a), b)), false);
});
