// A store merges the instances it made visible into the stored summary instead of reading the
// whole study again: the merge must give what a full recomputation gives, and refuse when it
// cannot know (an instance no newer than the summary may already be in it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeIntoSummary, summarizeStudy, type SummaryInstanceRow } from '../../shared/search/studySummary';
import { seededRandom } from '../support/seededRandom';

const STUDY = '1.2.3';

function row(sequence: number, series: string, modality: string, description: string): SummaryInstanceRow {
  return {
    SeriesInstanceUID: series,
    Sequence: sequence,
    QidoAttributes: JSON.stringify({
      '00080060': { vr: 'CS', Value: [modality] },
      '0008103E': { vr: 'LO', Value: [description] },
      '00081030': { vr: 'LO', Value: [`study as of ${sequence}`] },
    }),
  };
}

test('merging newer instances gives the full recomputation', async () => {
  const random = seededRandom(7);
  for (let round = 0; round < 50; round += 1) {
    const rows = Array.from({ length: 1 + Math.floor(random() * 12) }, (_, i) =>
      row(i + 1, `1.2.3.${Math.floor(random() * 4)}`, random() < 0.5 ? 'CT' : 'PR', `d${Math.floor(random() * 3)}`),
    );
    const split = 1 + Math.floor(random() * rows.length);
    const base = await summarizeStudy(STUDY, rows.slice(0, split));
    const added = rows.slice(split);
    const expected = await summarizeStudy(STUDY, rows);
    if (added.length === 0) {
      assert.equal(mergeIntoSummary(base, added), undefined, 'nothing to merge');
      continue;
    }
    // Added in any order: a request's instances commit together, in no particular order.
    assert.deepEqual(mergeIntoSummary(base, [...added].reverse()), expected, `round ${round}`);
  }
});

test('refuses when it cannot know', async () => {
  const base = await summarizeStudy(STUDY, [row(1, 's1', 'CT', 'a'), row(5, 's1', 'CT', 'a')]);
  assert.equal(mergeIntoSummary(undefined, [row(6, 's1', 'CT', 'a')]), undefined, 'no summary yet');
  assert.equal(mergeIntoSummary(base, [row(3, 's2', 'CT', 'a')]), undefined, 'older than the summary');
  assert.equal(mergeIntoSummary(base, [row(6, 's2', 'CT', 'a'), row(5, 's2', 'CT', 'a')]), undefined);
  assert.equal(mergeIntoSummary(base, [row(6, 's2', 'MR', 'b')])?.instances, 3);
});
