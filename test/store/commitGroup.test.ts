// The instances of a STOW request wait for each other to commit together, but never for long,
// never past a count or a memory budget, and, once the body has ended, only for stores still
// on their way.
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

/** `count` stores enter, then join. */
function joinAll(group: CommitGroup, count: number, bytes = 1): Promise<void>[] {
  for (let i = 0; i < count; i += 1) group.enter();
  return Array.from({ length: count }, () => group.join(bytes));
}

test('a full group commits at once, and the next one waits again', async () => {
  const group = new CommitGroup(3, 60_000, 1_000_000);
  const first = settledFlags(joinAll(group, 2));
  await turn();
  assert.deepEqual(first, [false, false], 'two of three wait');
  const third = settledFlags(joinAll(group, 1));
  await turn();
  assert.deepEqual([...first, ...third], [true, true, true]);
  const fourth = settledFlags(joinAll(group, 1));
  await turn();
  assert.deepEqual(fourth, [false]);
  group.close();
  await turn();
  assert.deepEqual(fourth, [true], 'the end of the body releases whoever waits');
});

test('held bytes end the wait', async () => {
  const group = new CommitGroup(100, 60_000, 10);
  const flags = settledFlags(joinAll(group, 2, 4));
  await turn();
  assert.deepEqual(flags, [false, false]);
  const last = settledFlags(joinAll(group, 1, 4));
  await turn();
  assert.deepEqual([...flags, ...last], [true, true, true]);
});

test('after the body ends, the group waits for the stores still on their way, then commits', async () => {
  const group = new CommitGroup(100, 60_000, 1_000_000);
  group.enter();
  group.enter();
  group.enter();
  const early = settledFlags([group.join(1)]);
  group.close();
  await turn();
  assert.deepEqual(early, [false], 'two stores are still uploading');
  group.leave(); // one of them was refused
  await turn();
  assert.deepEqual(early, [false]);
  const late = settledFlags([group.join(1)]);
  await turn();
  assert.deepEqual([...early, ...late], [true, true], 'the last one in: all commit together');
});

test('a lone instance does not wait for company longer than the wait', async () => {
  const group = new CommitGroup(100, 5, 1_000_000);
  group.enter();
  group.enter(); // another store that never reaches its commit, and the body has not ended
  await group.join(1);
});
