import assert from 'node:assert/strict';
import { test } from 'node:test';
import { integersAtLeast, numberAtLeast } from '../../bench/cliArgs';

test('benchmark flags: numbers with a lower bound, lists of whole numbers, errors naming the flag', () => {
  assert.equal(numberAtLeast('seconds', '0.5', 0.1), 0.5);
  assert.deepEqual(integersAtLeast('instances', '1000, 100_000,', 1), [1000, 100000]);
  assert.throws(() => numberAtLeast('warmup', '-1', 0), /--warmup must be a number >= 0, not "-1"/);
  assert.throws(() => integersAtLeast('sizes', '10,x', 1), /--sizes must be a number >= 1, not "x"/);
  assert.throws(() => integersAtLeast('sizes', ' , ', 1), /--sizes wants numbers/);
});
