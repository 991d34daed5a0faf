// GET changefeed and changefeed/latest over HTTP, both API versions: the Azure field names,
// parameters, states, metadata, and the empty feed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { stowFiles } from '../support/stowClient';
import { getJson, httpDelete, storeInstance, type FeedEntry } from './feedClient';

const STUDY_INSTANCE_UID = '0020000D';
const TEXT_VALUE = '0040A160';
/** Above the 30,000 characters a metadata document may take on the entity: it goes to its blob. */
const LARGE_TEXT_CHARS = 40_000;
const FIELD_ORDER = [
  'Sequence',
  'StudyInstanceUid',
  'SeriesInstanceUid',
  'SopInstanceUid',
  'Action',
  'Timestamp',
  'State',
];

describe('change feed API', () => {
  const ctx = useTestServer();
  const feed = (version: string, query = '') => getJson<FeedEntry[]>(`${ctx.baseUrl}/${version}/changefeed${query}`);
  const latest = (version: string, query = '') =>
    getJson<FeedEntry>(`${ctx.baseUrl}/${version}/changefeed/latest${query}`);

  test('an empty feed: [] for changefeed, 204 with no body for changefeed/latest', async () => {
    for (const version of ['v1', 'v2']) {
      const page = await feed(version);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(page.json, []);
      const last = await latest(version);
      assert.equal(last.status, 204);
      assert.equal(last.text, '');
    }
  });

  test("the Python tutorial's authentication check: GET {base_url}/changefeed answers 200", async () => {
    await storeInstance(ctx.baseUrl);
    for (const baseUrl of [`${ctx.baseUrl}/v1`, `${ctx.baseUrl}/v2`]) {
      const response = await fetch(`${baseUrl}/changefeed`, { headers: { Authorization: 'Bearer token' } });
      assert.equal(response.status, 200);
      assert.equal(Array.isArray(await response.json()), true);
    }
  });

  test('v1: offset is the exclusive starting sequence, limit the page size; entries carry the Azure fields', async () => {
    await storeInstance(ctx.baseUrl);
    await storeInstance(ctx.baseUrl);
    const first = await feed('v1', '?offset=0&limit=2');
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.json?.map((e) => e.Sequence),
      [1, 2],
    );
    const entry = first.json?.[0] as FeedEntry;
    assert.deepEqual(Object.keys(entry), [...FIELD_ORDER, 'Metadata']);
    assert.equal(entry.Action, 'create');
    assert.equal(entry.State, 'current');
    assert.match(entry.Timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.deepEqual(entry.Metadata?.[STUDY_INSTANCE_UID]?.Value, [entry.StudyInstanceUid]);
    const next = await feed('v1', '?offset=2');
    assert.deepEqual(
      next.json?.map((e) => e.Sequence),
      [3],
    );
    const lean = await feed('v1', '?includemetadata=false');
    assert.deepEqual(Object.keys(lean.json?.[0] ?? {}), FIELD_ORDER);
    assert.deepEqual(await feed('v1', '?offset=999').then((r) => r.json), []);
  });

  test('v2: offset skips entries, startTime is inclusive, endTime exclusive', async () => {
    for (let i = 0; i < 3; i += 1) {
      await storeInstance(ctx.baseUrl);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const all = (await feed('v2', '?limit=200')).json ?? [];
    assert.deepEqual(
      all.map((e) => e.Sequence),
      all.map((_, i) => i + 1),
    );
    assert.deepEqual(
      (await feed('v2', '?offset=1&limit=2')).json?.map((e) => e.Sequence),
      [2, 3],
    );
    const start = all[2]?.Timestamp ?? '';
    const end = all.at(-1)?.Timestamp ?? '';
    const expected = all.filter((e) => e.Timestamp >= start && e.Timestamp < end).map((e) => e.Sequence);
    assert.ok(expected.length > 0);
    const window = await feed('v2', `?startTime=${start}&endTime=${end}`);
    assert.deepEqual(
      window.json?.map((e) => e.Sequence),
      expected,
    );
    const skipped = await feed('v2', `?startTime=${start}&endTime=${end}&offset=1&limit=1`);
    assert.deepEqual(
      skipped.json?.map((e) => e.Sequence),
      expected.slice(1, 2),
    );
    const future = await feed('v2', `?startTime=2999-01-01T00:00:00Z`);
    assert.deepEqual(future.json, []);
  });

  test('bad parameters: 400 naming the parameter; the limits differ per version', async () => {
    for (const [version, query, parameter] of [
      ['v1', '?limit=101', 'limit'],
      ['v1', '?offset=abc', 'offset'],
      ['v2', '?limit=201', 'limit'],
      ['v2', '?startTime=soon', 'startTime'],
      ['v2', '?endTime=2024-01-01T00:00:00Z&startTime=2024-02-01T00:00:00Z', 'endTime'],
      ['v1', '?includemetadata=maybe', 'includemetadata'],
    ] as const) {
      const response = await feed(version, query);
      assert.equal(response.status, 400, `${version}${query}`);
      assert.match(response.text, new RegExp(`'${parameter}'`));
    }
    assert.equal((await latest('v2', '?includemetadata=nope')).status, 400);
    assert.equal((await feed('v2', '?limit=150')).status, 200);
  });

  test("states follow the instance now: create then delete shows 'deleted', a re-store 'replaced'", async () => {
    const stored = await storeInstance(ctx.baseUrl);
    const url = `${ctx.baseUrl}/v1/studies/${stored.study}/series/${stored.series}/instances/${stored.sop}`;
    const ofInstance = async () =>
      ((await feed('v2', '?limit=200')).json ?? []).filter((e) => e.SopInstanceUid === stored.sop);

    assert.equal((await httpDelete(url)).status, 204);
    const afterDelete = await ofInstance();
    assert.deepEqual(
      afterDelete.map((e) => [e.Action, e.State, 'Metadata' in e]),
      [
        ['create', 'deleted', false],
        ['delete', 'deleted', false],
      ],
    );
    const newest = await latest('v1');
    assert.equal(newest.status, 200);
    assert.equal(newest.json?.Action, 'delete');
    assert.equal(newest.json?.SopInstanceUid, stored.sop);

    await storeInstance(ctx.baseUrl, stored);
    const afterRestore = await ofInstance();
    assert.deepEqual(
      afterRestore.map((e) => [e.Action, e.State, 'Metadata' in e]),
      [
        ['create', 'replaced', false],
        ['delete', 'replaced', false],
        ['create', 'current', true],
      ],
    );
    const current = await latest('v2', '?includemetadata=false');
    assert.deepEqual([current.json?.State, 'Metadata' in (current.json ?? {})], ['current', false]);
  });

  test('metadata too large for the entity is read from its blob', async () => {
    const sop = newUid();
    const text = 'x'.repeat(LARGE_TEXT_CHARS);
    const file = makeDicom({ sopInstanceUid: sop, elements: [{ tag: TEXT_VALUE, vr: 'UT', value: text }] });
    assert.equal((await stowFiles(`${ctx.baseUrl}/v2/studies`, [file])).status, 200);
    const newest = await latest('v2');
    assert.equal(newest.json?.SopInstanceUid, sop);
    assert.deepEqual(newest.json?.Metadata?.[TEXT_VALUE]?.Value, [text]);
  });
});
