import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import {
  MAX_INDEXED_VALUES_PER_ATTRIBUTE,
  MAX_KEYS_PER_ATTRIBUTE_INDEX,
  partitionKeys,
  shardOf,
  summaryIndexEntries,
  unshardedKey,
} from '../../shared/search/indexEntries';
import { SEARCH_INDEXES, type SearchIndex } from '../../shared/search/searchIndexes';
import { summarizeStudy } from '../../shared/search/studySummary';
import { instanceRow as row } from './instanceRows';

function index(table: string): SearchIndex {
  const found = SEARCH_INDEXES.find((i) => i.table === table);
  assert.ok(found, table);
  return found;
}

test('the shard of a RowKey is fixed forever: stored index entries depend on it', () => {
  assert.equal(shardOf('1.2.3'), 'f');
  assert.equal(shardOf('1.2.3|4.5'), 'a');
  assert.equal(shardOf('2.25.1'), 'd');
  assert.equal(unshardedKey('SMITH|a'), 'SMITH');
  assert.equal(unshardedKey('A%7CB|3'), 'A%7CB');
});

test('keys per index kind: normalized exact value, name words, every suffix, dates', () => {
  assert.deepEqual([...partitionKeys(index('IxPatNameEq'), ['Müller^Hans'])], ['MULLER^HANS']);
  assert.deepEqual([...partitionKeys(index('IxPatNameWord'), ['Müller^Hans Peter'])], ['MULLER', 'HANS', 'PETER']);
  assert.deepEqual([...partitionKeys(index('IxPatIdSub'), ['ab12'])], ['AB12', 'B12', '12', '2']);
  assert.deepEqual(
    [...partitionKeys(index('IxStudyDateDate'), ['20240115', '2024.01.16', 'garbage'])],
    ['20240115', '20240116'],
  );
  // Characters Table keys refuse, and the shard separator, are escaped.
  assert.deepEqual([...partitionKeys(index('IxAccessionEq'), ['A/B|C'])], ['A%2FB%7CC']);
  assert.deepEqual([...partitionKeys(index('IxAccessionEq'), ['', '  '])], []);
});

test('a summary follows the latest instance and counts every one', async () => {
  const summary = await summarizeStudy('1.2', [
    row('1.2.1', 5, { [Tag.PatientName]: 'Old^Name', [Tag.Modality]: 'CT' }),
    row('1.2.2', 9, { [Tag.PatientName]: 'New^Name', [Tag.Modality]: 'MR' }),
    row('1.2.1', 7, { [Tag.PatientName]: 'Old^Name', [Tag.Modality]: 'CT' }),
  ]);
  assert.ok(summary);
  assert.equal(summary.instances, 3);
  assert.equal(summary.seriesCount, 2);
  assert.deepEqual(summary.modalities, ['CT', 'MR']);
  assert.equal(summary.sequence, 9);
  assert.deepEqual(summary.attributes[Tag.PatientName]?.Value, [{ Alphabetic: 'New^Name' }]);
  assert.deepEqual(
    summary.series.map((s) => [s.seriesInstanceUid, s.instances, s.sequence]),
    [
      ['1.2.1', 2, 7],
      ['1.2.2', 1, 9],
    ],
  );
  assert.equal(await summarizeStudy('1.2', []), undefined);
});

test("a summary's index entries: study values keyed by study, series values by study|series, all sharded", async () => {
  const summary = await summarizeStudy('1.2', [row('1.2.1', 1, { [Tag.PatientID]: 'P1', [Tag.Modality]: 'CT' })]);
  const entries = summaryIndexEntries(summary);
  const find = (table: string) => entries.filter((e) => e.table === table).map((e) => [e.partitionKey, e.rowKey]);
  assert.deepEqual(find('IxPatIdEq'), [[`P1|${shardOf('1.2')}`, '1.2']]);
  assert.deepEqual(find('IxModalityEq'), [[`CT|${shardOf('1.2|1.2.1')}`, '1.2|1.2.1']]);
  assert.deepEqual(find('IxModalitiesEq'), [[`CT|${shardOf('1.2')}`, '1.2']]);
  assert.deepEqual(find('IxPatNameEq'), [], 'no value, no entry');
  assert.deepEqual(summaryIndexEntries(undefined), []);
});

test('an attribute with many values adds a bounded number of keys (write amplification)', () => {
  const names = Array.from({ length: 100 }, (_, i) => `Family${i}^Given${i} Middle${i}`);
  const words = partitionKeys(index('IxPatNameWord'), names);
  assert.equal(words.size, MAX_INDEXED_VALUES_PER_ATTRIBUTE * 3);
  assert.ok(words.has('FAMILY7') && !words.has('FAMILY8'));
  const longIds = Array.from({ length: 100 }, (_, i) => `${i}`.padStart(60, 'X'));
  const suffixes = partitionKeys(index('IxPatIdSub'), longIds);
  assert.equal(suffixes.size, MAX_KEYS_PER_ATTRIBUTE_INDEX);
});
