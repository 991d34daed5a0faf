// The instances of a STOW request wait for each other to commit together, but never for long,
// never past a count or a memory budget, and never past the end of the request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommitGroup } from '../../shared/store/commitGroup';

function settledFlags(promises: Promise<void>[]): boolean[] {
  const flags = promises.map(() => false);
  promises.forEach((p, i) => void p.then(() => (flags[i] = true)));
  return flags;
}

async function turn(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

test('a full group commits at once, and the next one waits again', async () => {
  const group = new CommitGroup(3, 60_000, 1_000_000);
  const first = settledFlags([group.join(1), group.join(1)]);
  await turn();
  assert.deepEqual(first, [false, false], 'two of three wait');
  const third = settledFlags([group.join(1)]);
  await turn();
  assert.deepEqual([...first, ...third], [true, true, true]);
  const fourth = settledFlags([group.join(1)]);
  await turn();
  assert.deepEqual(fourth, [false]);
  group.close();
  await turn();
  assert.deepEqual(fourth, [true], 'the end of the request releases the rest');
  await group.join(1); // and whoever comes later does not wait
});

test('held bytes end the wait', async () => {
  const group = new CommitGroup(100, 60_000, 10);
  const flags = settledFlags([group.join(4), group.join(4)]);
  await turn();
  assert.deepEqual(flags, [false, false]);
  const last = settledFlags([group.join(4)]);
  await turn();
  assert.deepEqual([...flags, ...last], [true, true, true]);
  group.close();
});

test('a lone instance does not wait for company longer than the wait', async () => {
  const group = new CommitGroup(100, 5, 1_000_000);
  await group.join(1);
  group.close();
});
