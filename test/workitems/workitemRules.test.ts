// The pure parts of UPS-RS: the state machine's table, DT keys, index entries and query parsing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UpsTag as T } from '../../shared/dicom/upsTags';
import { dateTimeKey, isDateTime } from '../../shared/workitems/dateTimeKey';
import { STATES, transition, type Action } from '../../shared/workitems/procedureStepState';
import { workitemIndexEntries } from '../../shared/workitems/workitemIndexEntries';
import { parseWorkitemQuery } from '../../shared/workitems/workitemQuery';
import { workitemDataset } from './workitemClient';

describe('workitem rules', () => {
  test('the state machine: every state and action, with and without the lock', () => {
    const actions: Action[] = ['IN PROGRESS', 'COMPLETED', 'CANCELED', 'REQUEST CANCEL'];
    const outcome = (state: (typeof STATES)[number], action: Action, lock: boolean) => {
      const t = transition(state, action, lock);
      return t.kind === 'move' ? `→${t.to}` : t.code;
    };
    const table = STATES.map((state) =>
      actions.map((action) => `${outcome(state, action, true)}/${outcome(state, action, false)}`).join(' '),
    );
    assert.deepEqual(table, [
      '→IN PROGRESS/→IN PROGRESS C310/C310 C310/C310 →CANCELED/→CANCELED',
      'C302/C301 →COMPLETED/C301 →CANCELED/C301 C312/C312',
      'C300/C301 B306/C301 C300/C301 C311/C311',
      'C300/C301 C300/C301 B304/C301 B304/B304',
    ]);
  });

  test('DT keys: missing components filled, ranges take in their whole period, offsets kept out', () => {
    assert.equal(dateTimeKey('2026', '0'), '20260000000000');
    assert.equal(dateTimeKey('20261207', '9'), '20261207999999');
    assert.equal(dateTimeKey('20261207101500.123456+0100', '0'), '20261207101500');
    assert.equal(dateTimeKey('2026120', '0'), undefined);
    assert.equal(isDateTime('20261207101500.1'), true);
    assert.equal(isDateTime('202612.1'), false);
    assert.equal(isDateTime('tomorrow'), false);
  });

  test('index entries: one state-and-start key, names and words normalized, sharded by UID', () => {
    const dataset = workitemDataset({
      patientName: 'Müller^Jürgen',
      patientId: 'k1',
      start: '20261207090000',
      station: 'CT-1',
    });
    const entries = workitemIndexEntries({ uid: '1.2.3', state: 'IN PROGRESS', transactionUid: '9', dataset });
    const byTable = new Map(entries.map((e) => [e.table, e.partitionKey.slice(0, e.partitionKey.lastIndexOf('|'))]));
    assert.equal(byTable.get('WiStateDate'), 'IN PROGRESS|20261207090000');
    assert.equal(byTable.get('WiPatName'), 'MULLER^JURGEN');
    assert.equal(byTable.get('WiPatId'), 'K1');
    assert.equal(byTable.get('WiStation'), 'CT-1');
    assert.deepEqual(
      entries.filter((e) => e.table === 'WiPatWord').map((e) => e.partitionKey.slice(0, -2)),
      ['MULLER', 'JURGEN'],
    );
    assert.ok(entries.every((e) => e.rowKey === '1.2.3' && /\|[0-9a-f]$/.test(e.partitionKey)));
    assert.ok(!byTable.has('WiLabel'), 'no label in this dataset');
  });

  test('queries: keywords and tags, ranges with offsets, fuzzy words', () => {
    const q = parseWorkitemQuery(
      new URLSearchParams(
        'ScheduledProcedureStepStartDateTime=20261207100000-0500-20261208&00100010=jo%20do&fuzzymatching=true&limit=5',
      ),
    );
    assert.equal(q.limit, 5);
    assert.deepEqual(
      q.filters.map((f) => ({ ...f, attribute: f.attribute.path.join('.') })),
      [
        {
          kind: 'range',
          attribute: T.ScheduledProcedureStepStartDateTime,
          from: '20261207100000',
          to: '20261208999999',
        },
        { kind: 'fuzzy', attribute: T.PatientName, words: ['JO', 'DO'] },
      ],
    );
  });
});
