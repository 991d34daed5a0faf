// Past functionTimeout the host fails the invocation and restarts the worker, failing every
// other invocation in flight with it (host/functionsHost/hostRules.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFixtureHost, type HostUnderTest } from './hostHarness';

describe('functionTimeout', () => {
  let server: HostUnderTest;
  before(async () => {
    server = await startFixtureHost({ functionTimeoutMs: 1000 });
  });
  after(() => server.close());

  it('answers 500 to the invocation that ran over, and to the others then in flight', async () => {
    const slow = fetch(`${server.url}/slow?ms=5000`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // It would time out on its own later; the worker restart after the first timeout ends it first.
    const bystander = fetch(`${server.url}/slow?ms=5000`);
    const [a, b] = await Promise.all([slow, bystander]);
    assert.equal(a.status, 500);
    assert.equal(b.status, 500);
    const timeouts = server.logs.filter((line) => /Timeout value of 1000 ms exceeded by function 'slow'/.test(line));
    assert.equal(timeouts.length, 1, timeouts.join('\n'));
    const after = await fetch(`${server.url}/slow?ms=10`);
    assert.equal(after.status, 200);
  });
});
