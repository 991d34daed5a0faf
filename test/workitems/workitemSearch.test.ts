// GET /workitems over HTTP: the Azure service's matching rules (exact, DT ranges, fuzzy names,
// one sequence level), the returned attributes, paging, 204/206, its 400s, and what each search reads.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { UpsTag as T } from '../../shared/dicom/upsTags';
import { shardedKey } from '../../shared/search/indexEntries';
import { newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { performedProcedure, send, stateChange, workitemDataset, type WorkitemSpec } from './workitemClient';

interface Seeded {
  readonly uid: string;
  readonly spec: WorkitemSpec;
  state: string;
}

const SPECS: WorkitemSpec[] = [
  { patientId: 'K123', patientName: 'Müller^Jürgen', start: '20261207080000', station: 'CT-1', accession: '1423JS' },
  { patientId: 'K123', patientName: 'Müller^Jürgen', start: '20261207140000', station: 'MR-2', accession: 'A2' },
  { patientId: 'P2', patientName: 'Doe^Jane', start: '20261207235959.5', station: 'CT-1' },
  { patientId: 'P3', patientName: 'Doe^John', start: '20261208000000', station: 'CT-1' },
  { patientId: 'P4', patientName: 'Smith^Anna', start: '20261206120000+0100' },
  { patientId: 'P5', patientName: 'Smithers^Bob', start: '2026120909' },
];

describe('UPS-RS search', () => {
  const ctx = useTestServer({ env: { DICOM_SEARCH_COST_HEADER: 'true' } });
  const seeded: Seeded[] = [];
  const search = (query: string) => send('GET', `${ctx.baseUrl}/v2/workitems?${query}`);
  const uidsOf = (json: unknown) =>
    (json as DicomJsonDataset[]).map((d) => d[T.SOPInstanceUID]?.Value?.[0] as string).sort();
  const expect = (pick: (s: Seeded) => boolean) =>
    seeded
      .filter(pick)
      .map((s) => s.uid)
      .sort();
  const costOf = (headers: Headers) => {
    const m = /requests=(\d+); entities=(\d+)/.exec(headers.get('x-search-cost') ?? '');
    assert.ok(m, 'X-Search-Cost');
    return { requests: Number(m[1]), entities: Number(m[2]) };
  };

  const stateDateEntries = async (uid: string) => {
    const keys: string[] = [];
    const entries = ctx.probe.table('WiStateDate').listEntities({ queryOptions: { filter: `RowKey eq '${uid}'` } });
    for await (const entry of entries) keys.push((entry.partitionKey ?? '').replace(/\|[0-9a-f]$/, ''));
    return keys;
  };

  before(async () => {
    for (const spec of SPECS) {
      const uid = newUid();
      const reply = await send('POST', `${ctx.baseUrl}/v2/workitems?${uid}`, [workitemDataset(spec)]);
      assert.equal(reply.status, 201, reply.text);
      seeded.push({ uid, spec, state: 'SCHEDULED' });
    }
    // The second is claimed, the fourth claimed and completed.
    for (const index of [1, 3]) {
      const item = seeded[index] as Seeded;
      const lock = newUid();
      const put = (state: string) =>
        send('PUT', `${ctx.baseUrl}/v2/workitems/${item.uid}/state`, [stateChange(state, lock)]);
      assert.equal((await put('IN PROGRESS')).status, 200);
      item.state = 'IN PROGRESS';
      if (index === 3) {
        assert.equal(
          (await send('POST', `${ctx.baseUrl}/v2/workitems/${item.uid}?${lock}`, [performedProcedure()])).status,
          200,
        );
        assert.equal((await put('COMPLETED')).status, 200);
        item.state = 'COMPLETED';
      }
    }
  });

  const cases: [string, (s: Seeded) => boolean][] = [
    ['ProcedureStepState=SCHEDULED', (s) => s.state === 'SCHEDULED'],
    ['ProcedureStepState=IN%20PROGRESS', (s) => s.state === 'IN PROGRESS'],
    ['00741000=COMPLETED', (s) => s.state === 'COMPLETED'],
    ['ScheduledProcedureStepStartDateTime=20261207-20261207', (s) => (s.spec.start ?? '').startsWith('20261207')],
    ['ScheduledProcedureStepStartDateTime=20261207120000-', (s) => (s.spec.start ?? '') >= '20261207120000'],
    ['ScheduledProcedureStepStartDateTime=-20261206', (s) => (s.spec.start ?? '').startsWith('20261206')],
    [
      'ProcedureStepState=SCHEDULED&ScheduledProcedureStepStartDateTime=20261207-20261208',
      (s) => s.state === 'SCHEDULED' && /^2026120[78]/.test(s.spec.start ?? ''),
    ],
    ['PatientID=K123', (s) => s.spec.patientId === 'K123'],
    ['PatientID=k123', (s) => s.spec.patientId === 'K123'],
    ['PatientName=muller%5Ejurgen', (s) => s.spec.patientName === 'Müller^Jürgen'],
    ['PatientName=doe&fuzzymatching=true', (s) => (s.spec.patientName ?? '').startsWith('Doe')],
    ['PatientName=jo%20do&fuzzymatching=true', (s) => s.spec.patientName === 'Doe^John'],
    ['PatientName=smith&fuzzymatching=true', (s) => (s.spec.patientName ?? '').startsWith('Smith')],
    ['PatientName=mith&fuzzymatching=true', () => false],
    ['PatientName=doe', () => false],
    ['ScheduledStationNameCodeSequence.CodeValue=CT-1', (s) => s.spec.station === 'CT-1'],
    ['00404025.00080100=MR-2', (s) => s.spec.station === 'MR-2'],
    [
      'ScheduledStationNameCodeSequence.CodeValue=CT-1&ProcedureStepState=SCHEDULED',
      (s) => s.spec.station === 'CT-1' && s.state === 'SCHEDULED',
    ],
    ['ReferencedRequestSequence.AccessionNumber=1423JS', (s) => s.spec.accession === '1423JS'],
    [
      'PatientID=K123&0040A370.00080050=1423JS&includefield=00404005&limit=5&offset=0',
      (s) => s.spec.accession === '1423JS',
    ],
    ['WorklistLabel=worklist', () => true],
    ['WorklistLabel=other', () => false],
    ['InputReadinessState=READY', () => false],
  ];
  for (const [query, pick] of cases) {
    test(query, async () => {
      const reply = await search(query);
      if (query.startsWith('InputReadinessState')) {
        // Not a searchable attribute of the Azure service.
        assert.equal(reply.status, 400);
        return;
      }
      const wanted = expect(pick);
      if (wanted.length === 0) {
        assert.equal(reply.status, 204, reply.text);
        return;
      }
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(uidsOf(reply.json), wanted);
    });
  }

  test('a search needs no table scan when an index serves it: reads follow the results', async () => {
    for (const [query, results] of [
      ['ProcedureStepState=COMPLETED', 1],
      ['ProcedureStepState=IN%20PROGRESS', 1],
      ['PatientID=P5', 1],
      ['ScheduledProcedureStepStartDateTime=20261209-', 1],
      ['ScheduledStationNameCodeSequence.CodeValue=MR-2', 1],
      ['PatientID=nobody', 0],
    ] as const) {
      const reply = await search(query);
      const cost = costOf(reply.headers);
      // One index entry and one workitem per result, and one index page (a range per state when no state is given).
      assert.ok(cost.entities <= 2 * results, `${query}: ${JSON.stringify(cost)}`);
      assert.ok(cost.requests <= results + 4, `${query}: ${JSON.stringify(cost)}`);
    }
  });

  test('returned attributes: the return keys and the matched ones; includefield adds; never the Transaction UID', async () => {
    const claimed = seeded[1] as Seeded;
    const reply = await search(`PatientID=K123&ProcedureStepState=IN%20PROGRESS`);
    assert.equal(reply.status, 200);
    const [dataset] = reply.json as DicomJsonDataset[];
    assert.ok(dataset);
    assert.deepEqual(dataset[T.SOPInstanceUID]?.Value, [claimed.uid]);
    for (const tag of [
      T.PatientName,
      T.PatientID,
      T.ProcedureStepState,
      T.ScheduledProcedureStepStartDateTime,
      T.WorklistLabel,
    ]) {
      assert.ok(dataset[tag], tag);
    }
    assert.equal(dataset[T.TransactionUID], undefined);
    assert.equal(dataset[T.CommentsOnTheScheduledProcedureStep], undefined, 'not a return key');
    const all = (await search(`PatientID=K123&ProcedureStepState=IN%20PROGRESS&includefield=all`))
      .json as DicomJsonDataset[];
    assert.ok(all[0]?.[T.CommentsOnTheScheduledProcedureStep]);
    assert.equal(all[0]?.[T.TransactionUID], undefined);
    const one = (
      await search(`PatientID=K123&ProcedureStepState=IN%20PROGRESS&includefield=CommentsOnTheScheduledProcedureStep`)
    ).json as DicomJsonDataset[];
    assert.ok(one[0]?.[T.CommentsOnTheScheduledProcedureStep]);
  });

  test('paging: limit and offset walk every match once', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 10; offset += 2) {
      const reply = await search(`WorklistLabel=worklist&limit=2&offset=${offset}`);
      if (reply.status === 204) break;
      seen.push(...uidsOf(reply.json));
    }
    assert.deepEqual(
      seen.sort(),
      expect(() => true),
    );
    const none = await search('ProcedureStepState=SCHEDULED&offset=100');
    assert.equal(none.status, 204);
  });

  test('bad queries: 400 with the reason', async () => {
    const cases: [string, RegExp][] = [
      ['Modality=CT', /AttributeId Modality is not queryable/],
      ['patientid=K123', /AttributeId patientid is not queryable/],
      ['PatientID=', /has empty string value that is not supported/],
      ['00404025.00080100.00080100=X', /Nested Dicom sequence tags are currently not supported/],
      ['ScheduledProcedureStepStartDateTime=-', /invalid value '-'/],
      ['ScheduledProcedureStepStartDateTime=20261208-20261207', /ends before it starts/],
      ['ScheduledProcedureStepStartDateTime=today', /DT value or a range/],
      ['limit=0', /from 1 to 200/],
      ['limit=201', /from 1 to 200/],
      ['offset=-1', /from 0 to 10000/],
      ['fuzzymatching=maybe', /'true' or 'false'/],
      ['includefield=NoSuchKeyword', /includefield/],
      ['PatientID=A&PatientID=B', /repeats an attribute/],
    ];
    for (const [query, pattern] of cases) {
      const reply = await search(query);
      assert.equal(reply.status, 400, `${query}: ${reply.text}`);
      assert.match(reply.text, pattern, query);
    }
    const wrongAccept = await send('GET', `${ctx.baseUrl}/v2/workitems?PatientID=K123`, undefined, {
      Accept: 'application/dicom',
    });
    assert.equal(wrongAccept.status, 406);
  });

  test('racing updates of the start time: the version that won is always found by its start', async () => {
    const uid = newUid();
    assert.equal(
      (await send('POST', `${ctx.baseUrl}/v2/workitems?${uid}`, [workitemDataset({ patientId: 'RACE' })])).status,
      201,
    );
    const starts = ['20270101080000', '20270101090000', '20270101100000'];
    for (let round = 0; round < 6; round++) {
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          send('POST', `${ctx.baseUrl}/v2/workitems/${uid}`, [
            { [T.ScheduledProcedureStepStartDateTime]: { vr: 'DT', Value: [starts[(i + round) % starts.length]] } },
          ]),
        ),
      );
      assert.ok(
        replies.every((r) => r.status === 200 || r.status === 409),
        replies.map((r) => r.status).join(','),
      );
      assert.ok(replies.some((r) => r.status === 200));
      const stored = await send('GET', `${ctx.baseUrl}/v2/workitems/${uid}`);
      const start = (stored.json as DicomJsonDataset)[T.ScheduledProcedureStepStartDateTime]?.Value?.[0] as string;
      const found = await search(`ScheduledProcedureStepStartDateTime=${start}&ProcedureStepState=SCHEDULED`);
      assert.deepEqual(uidsOf(found.json), [uid], `round ${round}: start ${start}`);
      for (const other of starts.filter((s) => s !== start)) {
        assert.equal((await search(`ScheduledProcedureStepStartDateTime=${other}&PatientID=RACE`)).status, 204);
      }
      // Winners dropped the old entry, losers withdrew theirs: exactly the winner's entry is left.
      const entries = await stateDateEntries(uid);
      assert.deepEqual(entries, [`SCHEDULED|${start}`], `round ${round}`);
    }
  });

  test('a create that finds its UID taken withdraws the index entries it wrote', async () => {
    const uid = newUid();
    const create = (patientId: string) =>
      send('POST', `${ctx.baseUrl}/v2/workitems?${uid}`, [workitemDataset({ patientId, start: '20280101000000' })]);
    assert.equal((await create('FIRST')).status, 201);
    assert.equal((await create('GHOST')).status, 409);
    const ghost = await search('PatientID=GHOST');
    assert.equal(ghost.status, 204);
    assert.equal(costOf(ghost.headers).entities, 0, 'no entry left for the refused dataset');
    assert.deepEqual(await stateDateEntries(uid), ['SCHEDULED|20280101000000']);
  });

  test('an entry a crashed or losing write left behind costs a read, never a wrong answer', async () => {
    // What a claim that wrote its index entry and then lost the ETag race (or died) leaves.
    const scheduled = seeded[0] as Seeded;
    const key = `IN PROGRESS|${(scheduled.spec.start ?? '').padEnd(14, '0')}`;
    await ctx.probe
      .table('WiStateDate')
      .upsertEntity({ partitionKey: shardedKey(key, scheduled.uid), rowKey: scheduled.uid });
    const reply = await search('ProcedureStepState=IN%20PROGRESS');
    assert.equal(reply.status, 200);
    assert.deepEqual(
      uidsOf(reply.json),
      expect((s) => s.state === 'IN PROGRESS'),
    );
    assert.ok(costOf(reply.headers).entities <= 4, 'two entries, two workitems read');
  });

  test('a candidate whose entity cannot be read as a workitem: 206 with a Warning, the readable ones still returned', async () => {
    const broken = newUid();
    await ctx.probe
      .table('Workitems')
      .upsertEntity({ partitionKey: broken, rowKey: 'w', State: 'BOGUS', Chunks: 1, D0: '{}' });
    await ctx.probe.table('WiPatId').upsertEntity({ partitionKey: shardedKey('K123', broken), rowKey: broken });
    const reply = await search('PatientID=K123');
    assert.equal(reply.status, 206, reply.text);
    assert.match(
      reply.headers.get('warning') ?? '',
      /^299 .+: "Some matching workitems could not be read; the results are partial\."$/,
    );
    assert.deepEqual(
      uidsOf(reply.json),
      expect((s) => s.spec.patientId === 'K123'),
    );
    await ctx.probe.table('Workitems').deleteEntity(broken, 'w');
    const after = await search('PatientID=K123');
    assert.equal(after.status, 200, 'an entry whose workitem does not exist is skipped silently');
  });
});
