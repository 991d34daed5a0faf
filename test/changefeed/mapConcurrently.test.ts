// The bounded-parallel map used for page lookups and background deletes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mapConcurrently } from '../../shared/changefeed/mapConcurrently';

describe('mapConcurrently', () => {
  test('keeps the input order and never exceeds the bound', async () => {
    let inFlight = 0;
    let peak = 0;
    const result = await mapConcurrently([5, 1, 4, 2, 3, 0, 6], 3, async (value, index) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, value));
      inFlight -= 1;
      return `${index}:${value}`;
    });
    assert.deepEqual(result, ['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
    assert.equal(peak, 3);
  });

  test('an empty input resolves at once; a failure rejects', async () => {
    assert.deepEqual(await mapConcurrently([], 4, () => Promise.resolve(1)), []);
    await assert.rejects(
      mapConcurrently([1, 2], 2, (v) => (v === 2 ? Promise.reject(new Error('boom')) : Promise.resolve(v))),
      /boom/,
    );
  });
});
