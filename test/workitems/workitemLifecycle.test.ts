// UPS-RS over HTTP on the local host and Azurite: create, retrieve, update, request-cancel, and
// every cell of the state machine (PS3.4 Table CC.1.1-2 as the Azure service answers it).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UPS_PUSH_SOP_CLASS_UID, UpsTag as T } from '../../shared/dicom/upsTags';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { newUid } from '../support/dicomFactory';
import { rawRequest } from '../support/rawRequest';
import { useTestServer } from '../support/serverFixture';
import {
  cancellationProgress,
  codeSequence,
  performedProcedure,
  send,
  stateChange,
  workitemDataset,
  type Reply,
} from './workitemClient';

describe('UPS-RS workitems', () => {
  const ctx = useTestServer();
  const url = (path: string, version = 'v2') => `${ctx.baseUrl}/${version}/${path}`;
  const create = async (dataset = workitemDataset(), uid = newUid()) => {
    const reply = await send('POST', url(`workitems?${uid}`), [dataset]);
    assert.equal(reply.status, 201, reply.text);
    return uid;
  };
  const retrieve = async (uid: string) => {
    const reply = await send('GET', url(`workitems/${uid}`));
    assert.equal(reply.status, 200, reply.text);
    return reply.json as DicomJsonDataset;
  };
  const changeState = (uid: string, state: string, transaction: string) =>
    send('PUT', url(`workitems/${uid}/state`), [stateChange(state, transaction)]);
  const update = (uid: string, changes: DicomJsonDataset, transaction?: string) =>
    send('POST', url(`workitems/${uid}${transaction ? `?${transaction}` : ''}`), [changes]);
  const cancelRequest = (uid: string, body: DicomJsonDataset = {}) =>
    send('POST', url(`workitems/${uid}/cancelrequest`), [body]);
  const failure = (reply: Reply, status: number, pattern: RegExp) => {
    assert.equal(reply.status, status, reply.text);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/dicom\+json/);
    assert.equal(typeof reply.json, 'string', `a JSON string literal: ${reply.text}`);
    assert.match(reply.json as string, pattern);
  };

  describe('create and retrieve', () => {
    test('POST /workitems?{uid}: 201, Location and Content-Location, no body; v1 too', async () => {
      for (const version of ['v1', 'v2']) {
        const uid = newUid();
        const reply = await send('POST', url(`workitems?${uid}`, version), [workitemDataset()]);
        assert.equal(reply.status, 201, reply.text);
        assert.equal(reply.text, '');
        assert.equal(reply.headers.get('location'), `${ctx.baseUrl}/${version}/workitems/${uid}`);
        assert.equal(reply.headers.get('content-location'), `${ctx.baseUrl}/${version}/workitems/${uid}`);
      }
    });

    test('POST /workitems with the UID in SOPInstanceUID; the server sets class, label, state and time', async () => {
      const uid = newUid();
      const dataset = workitemDataset({ uid });
      dataset[T.WorklistLabel] = { vr: 'LO', Value: ['mine'] };
      dataset[T.SOPClassUID] = { vr: 'UI', Value: ['1.2.3'] };
      const reply = await send('POST', url('workitems'), [dataset]);
      assert.equal(reply.status, 201, reply.text);
      const stored = await retrieve(uid);
      assert.deepEqual(stored[T.SOPClassUID]?.Value, [UPS_PUSH_SOP_CLASS_UID]);
      assert.deepEqual(stored[T.SOPInstanceUID]?.Value, [uid]);
      assert.deepEqual(stored[T.WorklistLabel]?.Value, ['worklist']);
      assert.deepEqual(stored[T.ProcedureStepState]?.Value, ['SCHEDULED']);
      assert.match(stored[T.ScheduledProcedureStepModificationDateTime]?.Value?.[0] as string, /^\d{14}\.\d{6}$/);
      assert.equal(stored[T.TransactionUID], undefined);
      assert.deepEqual(stored[T.PatientName]?.Value, [{ Alphabetic: 'Doe^Jane' }]);
    });

    test('the same UID twice: 409 with the Azure message', async () => {
      const uid = await create();
      const again = await send('POST', url(`workitems?${uid}`), [workitemDataset()]);
      failure(again, 409, /^The workitem instance already exists\. Try creating using a different UID\.$/);
    });

    test('a query UID that differs from SOPInstanceUID: 400', async () => {
      const reply = await send('POST', url(`workitems?${newUid()}`), [workitemDataset({ uid: newUid() })]);
      failure(reply, 400, /^SOPInstanceUID in the payload does not match the workitem query parameter\.$/);
    });

    test('requirements of N-CREATE: each failure names the attribute and the rule', async () => {
      const cases: [string, (ds: DicomJsonDataset) => void, RegExp][] = [
        [
          'Type 1 missing',
          (ds) => delete ds[T.ProcedureStepLabel],
          /^The required tag '\(0074,1204\) ProcedureStepLabel' is missing\. Rule: Type 1 and 2 attributes of N-CREATE/,
        ],
        [
          'Type 1 empty',
          (ds) => (ds[T.InputReadinessState] = { vr: 'CS', Value: [] }),
          /^The value for tag '\(0040,4041\) InputReadinessState' is missing\./,
        ],
        [
          'Type 2 missing',
          (ds) => delete ds[T.PatientName],
          /^The required tag '\(0010,0010\) PatientName' is missing\./,
        ],
        [
          'TransactionUID missing',
          (ds) => delete ds[T.TransactionUID],
          /^The required tag '\(0008,1195\) TransactionUID' is missing\./,
        ],
        [
          'TransactionUID with a value',
          (ds) => (ds[T.TransactionUID] = { vr: 'UI', Value: ['1.2.3'] }),
          /^The attribute with tag '\(0008,1195\) TransactionUID' must be empty\./,
        ],
        [
          'an attribute not allowed at create inside a sequence item',
          (ds) => Object.assign(ds, cancellationProgress()),
          /^The attribute with tag '\(0074,1002\) ProcedureStepProgressInformationSequence > \(0040,4052\) ProcedureStepCancellationDateTime' cannot be present\./,
        ],
        [
          'a Type 1 attribute of a code sequence item',
          (ds) =>
            (ds[T.ScheduledStationNameCodeSequence] = {
              vr: 'SQ',
              Value: [
                { [T.CodeValue]: { vr: 'SH', Value: ['X'] }, [T.CodingSchemeDesignator]: { vr: 'SH', Value: ['L'] } },
              ],
            }),
          /^The required tag '\(0040,4025\) ScheduledStationNameCodeSequence > \(0008,0104\) CodeMeaning' is missing\./,
        ],
        [
          'a start date-time that is not DT',
          (ds) => (ds[T.ScheduledProcedureStepStartDateTime] = { vr: 'DT', Value: ['tomorrow'] }),
          /'\(0040,4005\) ScheduledProcedureStepStartDateTime' is not a valid DT/,
        ],
        [
          'no SOPInstanceUID anywhere',
          () => undefined,
          /^The required tag '\(0008,0018\) SOPInstanceUID' is missing\./,
        ],
      ];
      for (const [name, mutate, pattern] of cases) {
        const dataset = workitemDataset();
        mutate(dataset);
        const uid = name.startsWith('no SOPInstanceUID') ? '' : `?${newUid()}`;
        failure(await send('POST', url(`workitems${uid}`), [dataset]), 400, pattern);
      }
    });

    test('malformed requests: 415, 406, 400 and 413, never 500', async () => {
      const uid = newUid();
      const body = JSON.stringify([workitemDataset()]);
      const plain = await send('POST', url(`workitems?${uid}`), body, { 'Content-Type': 'application/json' });
      assert.equal(plain.status, 415);
      // fetch always sends an Accept; node:http sends none.
      const noAccept = await rawRequest(url(`workitems?${uid}`), {
        method: 'POST',
        headers: { 'Content-Type': 'application/dicom+json' },
        body,
      });
      assert.equal(noAccept.status, 406);
      assert.equal((await send('POST', url(`workitems?${uid}`), body, { Accept: 'application/json' })).status, 406);
      failure(await send('POST', url(`workitems?${uid}`), '{}'), 400, /JSON array/);
      failure(await send('POST', url(`workitems?${uid}`), '[]'), 400, /JSON array/);
      failure(await send('POST', url(`workitems?${uid}`), '[{'), 400, /syntax of the request body is invalid/);
      failure(await send('POST', url(`workitems?${uid}`), ''), 400, /request body is missing/);
      failure(await send('POST', url(`workitems?${uid}`), '[{"0010":{"vr":"PN"}}]'), 400, /eight hexadecimal digits/);
      failure(
        await send('POST', url(`workitems?${uid}`), '[{"0040e020":{"vr":"CS"},"0040E020":{"vr":"CS"}}]'),
        400,
        /0040E020 is invalid: the tag is given twice/,
      );
      failure(await send('POST', url(`workitems?${uid}`), '[{"00100010":{"vr":"XX"}}]'), 400, /not a DICOM VR/);
      const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      failure(
        await send('POST', url(`workitems?${uid}`), `[{"00100010":{"vr":"PN","junk":${deepArray}}}]`),
        400,
        /an element holds only vr, Value, InlineBinary, BulkDataURI/,
      );
      failure(await send('POST', url(`workitems?${uid}`), `[${deepArray}]`), 400, /a dataset must be a JSON object/);
      failure(await send('POST', url('workitems?1..2'), [workitemDataset()]), 400, /workitem UID '1\.\.2' is invalid/);
      const deep = JSON.parse(body) as DicomJsonDataset[];
      let item: DicomJsonDataset = deep[0] as DicomJsonDataset;
      for (let i = 0; i < 20; i++) {
        const inner: DicomJsonDataset = {};
        item['00400275'] = { vr: 'SQ', Value: [inner] };
        item = inner;
      }
      failure(await send('POST', url(`workitems?${uid}`), deep), 400, /nested at most 8 deep/);
      const huge = workitemDataset();
      huge[T.CommentsOnTheScheduledProcedureStep] = { vr: 'LT', Value: ['x'.repeat(300_000)] };
      assert.equal((await send('POST', url(`workitems?${uid}`), [huge])).status, 413);
    });

    test('retrieve: 404 as a JSON string, 406 for another Accept, 400 for a malformed UID', async () => {
      failure(await send('GET', url(`workitems/${newUid()}`)), 404, /^The workitem instance is not found\.$/);
      const uid = await create();
      assert.equal(
        (await send('GET', url(`workitems/${uid}`), undefined, { Accept: 'application/dicom' })).status,
        406,
      );
      assert.equal((await send('GET', url('workitems/1..2'))).status, 400);
    });
  });

  test("the shapes of the Azure Postman collection's workitem requests, in its order", async () => {
    // Lower-case tag keys, a code item with only its meaning, an empty item, extra attributes.
    const uid = newUid();
    const dataset: DicomJsonDataset = {
      ...workitemDataset({ patientName: 'Lastname^Firstname', accession: 'ACC-9' }),
      [T.AdmittingDiagnosesCodeSequence]: { vr: 'SQ', Value: [{ [T.CodeMeaning]: { vr: 'LO', Value: ['Cough'] } }] },
      [T.IssuerOfAdmissionIDSequence]: { vr: 'SQ', Value: [{}] },
      [T.ScheduledProcedureStepStartDateTime]: { vr: 'DT', Value: ['20261207101112.345'] },
      [T.ProcedureStepState]: { vr: 'CS', Value: ['SCHEDULED'] },
      '0040e020': { vr: 'CS', Value: ['DICOM'] },
    };
    assert.equal((await send('POST', url(`workitems?${uid}`), [dataset])).status, 201);
    const found = await send('GET', url('workitems?PatientName=Lastname^Firstname'));
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(
      (found.json as DicomJsonDataset[]).map((d) => d[T.SOPInstanceUID]?.Value?.[0]),
      [uid],
    );
    const other = await create();
    const cancel = await cancelRequest(other, {
      [T.ReasonForCancellation]: { vr: 'LT', Value: ['Not needed any more.'] },
      [T.ContactURI]: { vr: 'UR', Value: ['https://example.org/ward'] },
      [T.ContactDisplayName]: { vr: 'LO', Value: ['Ward'] },
      [T.ProcedureStepDiscontinuationReasonCodeSequence]: codeSequence('110500'),
    });
    assert.equal(cancel.status, 202, cancel.text);
    const lock = newUid();
    assert.equal((await changeState(uid, 'IN PROGRESS', lock)).status, 200);
    const changes = (label: string): DicomJsonDataset => ({
      [T.WorklistLabel]: { vr: 'LO', Value: [label] },
      '0040e020': { vr: 'CS', Value: ['DICOM'] },
      '00081199': {
        vr: 'SQ',
        Value: [{ '00081150': { vr: 'UI', Value: ['1.2.3'] }, '00081155': { vr: 'UI', Value: ['1.2.4'] } }],
      },
    });
    assert.equal((await update(uid, changes('first'))).status, 400, 'claimed: the lock is needed');
    assert.equal((await update(uid, changes('second'), lock)).status, 200);
    const stored = await retrieve(uid);
    assert.deepEqual(stored[T.WorklistLabel]?.Value, ['second']);
    assert.deepEqual(stored['0040E020']?.Value, ['DICOM']);
    assert.equal(stored['0040e020'], undefined, 'tags are stored upper-case');
    assert.equal(stored[T.TransactionUID], undefined);
  });

  describe('update (N-SET)', () => {
    test('SCHEDULED, no Transaction UID: 200 with Content-Location; attributes (sequences whole) replaced', async () => {
      const uid = await create(workitemDataset({ station: 'CT-1' }));
      const before = await retrieve(uid);
      const reply = await update(uid, {
        [T.ProcedureStepLabel]: { vr: 'LO', Value: ['relabelled'] },
        [T.ScheduledStationNameCodeSequence]: {
          vr: 'SQ',
          Value: [
            {
              [T.CodeValue]: { vr: 'SH', Value: ['MR-2'] },
              [T.CodingSchemeDesignator]: { vr: 'SH', Value: ['L'] },
              [T.CodeMeaning]: { vr: 'LO', Value: ['MR 2'] },
            },
          ],
        },
      });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.headers.get('content-location'), `${ctx.baseUrl}/v2/workitems/${uid}`);
      const after = await retrieve(uid);
      assert.deepEqual(after[T.ProcedureStepLabel]?.Value, ['relabelled']);
      const items = after[T.ScheduledStationNameCodeSequence]?.Value as DicomJsonDataset[];
      assert.equal(items.length, 1);
      assert.deepEqual(items[0]?.[T.CodeValue]?.Value, ['MR-2']);
      assert.notEqual(
        after[T.ScheduledProcedureStepModificationDateTime]?.Value?.[0],
        before[T.ScheduledProcedureStepModificationDateTime]?.Value?.[0],
      );
    });

    test('the lock: SCHEDULED refuses a Transaction UID, IN PROGRESS needs the right one', async () => {
      const uid = await create();
      const label = { [T.ProcedureStepLabel]: { vr: 'LO', Value: ['x'] } };
      failure(
        await update(uid, label, newUid()),
        400,
        /^Invalid TransactionUID for the specified Workitem Instance UID\.$/,
      );
      const lock = newUid();
      assert.equal((await changeState(uid, 'IN PROGRESS', lock)).status, 200);
      failure(await update(uid, label), 400, /^The target URI did not reference a claimed Workitem\.$/);
      failure(await update(uid, label, newUid()), 400, /^The target URI did not reference a claimed Workitem\.$/);
      assert.equal((await update(uid, label, lock)).status, 200);
      assert.equal((await retrieve(uid))[T.TransactionUID], undefined, 'the lock is never returned');
      failure(await update(newUid(), label), 400, /^The target URI did not reference a claimed Workitem\.$/);
    });

    test('attributes an update may not touch: 400 naming each', async () => {
      const uid = await create();
      const refused: [string, DicomJsonDataset[string]][] = [
        [T.PatientName, { vr: 'PN', Value: [{ Alphabetic: 'Other' }] }],
        [T.PatientID, { vr: 'LO', Value: ['X'] }],
        [T.SOPInstanceUID, { vr: 'UI', Value: ['1.2.3'] }],
        [T.ProcedureStepState, { vr: 'CS', Value: ['COMPLETED'] }],
        [T.TransactionUID, { vr: 'UI', Value: ['1.2.3'] }],
        [T.ReferencedRequestSequence, { vr: 'SQ' }],
      ];
      for (const [tag, element] of refused) {
        const reply = await update(uid, { [tag]: element });
        failure(
          reply,
          400,
          new RegExp(
            `^The attribute with tag '\\(${tag.slice(0, 4)},${tag.slice(4)}\\) \\w+' cannot be present\\. Rule: N-SET`,
          ),
        );
      }
      failure(await update(uid, { [T.ProcedureStepLabel]: { vr: 'LO', Value: [''] } }), 400, /must not be empty/);
    });

    test('an update that would take the stored dataset over its cap: 413, the workitem unchanged', async () => {
      const big = workitemDataset();
      big[T.CommentsOnTheScheduledProcedureStep] = { vr: 'LT', Value: ['c'.repeat(200_000)] };
      const uid = await create(big);
      const before = await retrieve(uid);
      const reply = await update(uid, { [T.ProcedureStepLabel]: { vr: 'LO', Value: ['l'.repeat(60_000)] } });
      assert.equal(reply.status, 413, reply.text);
      assert.match(reply.text, /at most 239992 characters/);
      assert.deepEqual(await retrieve(uid), before);
    });

    test('final states: COMPLETED answers 400, CANCELED 409', async () => {
      const done = await inState('COMPLETED');
      const label = { [T.ProcedureStepLabel]: { vr: 'LO', Value: ['x'] } };
      failure(await update(done.uid, label, done.lock), 400, /The UPS is already COMPLETED\.$/);
      const gone = await inState('CANCELED');
      failure(await update(gone.uid, label, gone.lock), 409, /The UPS is already CANCELED\.$/);
    });
  });

  /** A workitem in `state`; the lock is the Transaction UID that claimed it. */
  async function inState(state: 'SCHEDULED' | 'IN PROGRESS' | 'COMPLETED' | 'CANCELED') {
    const uid = await create();
    const lock = newUid();
    if (state === 'SCHEDULED') return { uid, lock };
    assert.equal((await changeState(uid, 'IN PROGRESS', lock)).status, 200);
    // Both final transitions' requirements, so every IN PROGRESS cell can succeed.
    assert.equal((await update(uid, { ...performedProcedure(), ...cancellationProgress() }, lock)).status, 200);
    if (state !== 'IN PROGRESS') assert.equal((await changeState(uid, state, lock)).status, 200);
    return { uid, lock };
  }

  describe('the state machine', () => {
    type Expected = [status: number, code: string | undefined];
    const OK: Expected = [200, undefined];
    // [from][action][same lock, other lock]
    const table: Record<string, Record<string, [Expected, Expected]>> = {
      SCHEDULED: {
        'IN PROGRESS': [OK, OK],
        COMPLETED: [
          [400, 'C310'],
          [400, 'C310'],
        ],
        CANCELED: [
          [400, 'C310'],
          [400, 'C310'],
        ],
      },
      'IN PROGRESS': {
        'IN PROGRESS': [
          [400, 'C302'],
          [400, 'C301'],
        ],
        COMPLETED: [OK, [400, 'C301']],
        CANCELED: [OK, [400, 'C301']],
      },
      COMPLETED: {
        'IN PROGRESS': [
          [400, 'C300'],
          [400, 'C301'],
        ],
        COMPLETED: [
          [200, 'B306'],
          [400, 'C301'],
        ],
        CANCELED: [
          [400, 'C300'],
          [400, 'C301'],
        ],
      },
      CANCELED: {
        'IN PROGRESS': [
          [400, 'C300'],
          [400, 'C301'],
        ],
        COMPLETED: [
          [400, 'C300'],
          [400, 'C301'],
        ],
        CANCELED: [
          [200, 'B304'],
          [400, 'C301'],
        ],
      },
    };
    for (const [from, actions] of Object.entries(table)) {
      for (const [action, [same, other]] of Object.entries(actions)) {
        for (const [which, [status, code]] of [
          ['its lock', same],
          ['another UID', other],
        ] as const) {
          test(`${from} → ${action} with ${which}: ${status}${code ? ` ${code}` : ''}`, async () => {
            const { uid, lock } = await inState(from as 'SCHEDULED');
            const before = await retrieve(uid);
            const reply = await changeState(uid, action, which === 'its lock' ? lock : newUid());
            assert.equal(reply.status, status, reply.text);
            const after = await retrieve(uid);
            if (status === 400) {
              assert.equal(reply.json, `The workitem instance can not transition to '${action}' state: ${code}.`);
              assert.deepEqual(after, before, 'a refused change changes nothing');
            } else if (code) {
              const host = new URL(ctx.baseUrl).host;
              assert.equal(
                reply.headers.get('warning'),
                `299 ${host}: "The workitem instance is already in the final state '${from}'. ${code}."`,
              );
              assert.deepEqual(after, before);
            } else {
              assert.equal(reply.text, '');
              assert.deepEqual(after[T.ProcedureStepState]?.Value, [action]);
            }
          });
        }
      }
    }

    const cancelCells: [string, number, RegExp | undefined][] = [
      ['SCHEDULED', 202, undefined],
      ['IN PROGRESS', 400, /^The workitem instance can not transition to 'CANCELED' state: C312\.$/],
      ['COMPLETED', 400, /^The workitem instance can not transition to 'CANCELED' state: C311\.$/],
      ['CANCELED', 409, /^The UPS is already in the requested state of CANCELED\.$/],
    ];
    for (const [from, status, pattern] of cancelCells) {
      test(`${from} → request cancel: ${status}`, async () => {
        const { uid } = await inState(from as 'SCHEDULED');
        const reply = await cancelRequest(uid, {
          [T.ReasonForCancellation]: { vr: 'LT', Value: ['patient left'] },
          [T.ContactURI]: { vr: 'UR', Value: ['tel:+1-555-0100'] },
          [T.ContactDisplayName]: { vr: 'LO', Value: ['Ward 3'] },
        });
        if (pattern) failure(reply, status, pattern);
        else assert.equal(reply.status, status, reply.text);
        if (from === 'CANCELED') {
          const host = new URL(ctx.baseUrl).host;
          assert.equal(
            reply.headers.get('warning'),
            `299 ${host}: "The UPS is already in the requested state of CANCELED."`,
          );
        }
        if (from === 'SCHEDULED') {
          const canceled = await retrieve(uid);
          assert.deepEqual(canceled[T.ProcedureStepState]?.Value, ['CANCELED']);
          const progress = (canceled[T.ProcedureStepProgressInformationSequence]?.Value as DicomJsonDataset[])[0];
          assert.deepEqual(progress?.[T.ReasonForCancellation]?.Value, ['patient left']);
          assert.match(progress?.[T.ProcedureStepCancellationDateTime]?.Value?.[0] as string, /^\d{14}/);
          const contact = (progress?.[T.ProcedureStepCommunicationsURISequence]?.Value as DicomJsonDataset[])[0];
          assert.deepEqual(contact?.[T.ContactURI]?.Value, ['tel:+1-555-0100']);
          assert.equal((progress?.[T.ProcedureStepDiscontinuationReasonCodeSequence]?.Value ?? []).length, 1);
          // And a second request is the 409 with its Warning.
          assert.equal((await cancelRequest(uid)).status, 409);
        }
      });
    }

    test('final-state requirements: COMPLETED and CANCELED without their attributes are 400', async () => {
      const uid = await create();
      const lock = newUid();
      assert.equal((await changeState(uid, 'IN PROGRESS', lock)).status, 200);
      failure(
        await changeState(uid, 'COMPLETED', lock),
        400,
        /^The value for tag '\(0074,1216\) UnifiedProcedureStepPerformedProcedureSequence' is missing\. Rule: final state/,
      );
      failure(
        await changeState(uid, 'CANCELED', lock),
        400,
        /^The value for tag '\(0074,1002\) ProcedureStepProgressInformationSequence' is missing\./,
      );
      assert.deepEqual((await retrieve(uid))[T.ProcedureStepState]?.Value, ['IN PROGRESS']);
    });

    test('change-state bodies: Transaction UID and a legal state required; unknown workitem 404', async () => {
      const uid = await create();
      failure(
        await send('PUT', url(`workitems/${uid}/state`), [
          { [T.ProcedureStepState]: { vr: 'CS', Value: ['IN PROGRESS'] } },
        ]),
        400,
        /^The required tag '\(0008,1195\) TransactionUID' is missing\./,
      );
      failure(
        await changeState(uid, 'SCHEDULED', newUid()),
        400,
        /^Expected value '\(0074,1000\) ProcedureStepState' to be one of the following values: \[IN PROGRESS,CANCELED,COMPLETED\]$/,
      );
      failure(await changeState(uid, 'in progress', newUid()), 400, /Expected value/);
      failure(await changeState(newUid(), 'IN PROGRESS', newUid()), 404, /^The workitem instance is not found\.$/);
      failure(await cancelRequest(newUid()), 404, /^The workitem instance is not found\.$/);
    });

    test('50 clients claim one SCHEDULED workitem at once: exactly one wins, the others get a conflict', async (t) => {
      const uid = await create();
      const locks = Array.from({ length: 50 }, () => newUid());
      const replies = await Promise.all(locks.map((lock) => changeState(uid, 'IN PROGRESS', lock)));
      const winners = replies.flatMap((r, i) => (r.status === 200 ? [locks[i] as string] : []));
      t.diagnostic(`answers: ${replies.map((r) => r.status).join(',')}`);
      assert.equal(winners.length, 1, replies.map((r) => r.status).join(','));
      for (const reply of replies) {
        if (reply.status === 200) continue;
        // Lost the ETag race (409), or read the workitem after the winner's write (C301).
        const conflict =
          reply.status === 409 ||
          reply.json === "The workitem instance can not transition to 'IN PROGRESS' state: C301.";
        assert.ok(conflict, `${reply.status} ${reply.text}`);
      }
      const winner = winners[0] as string;
      assert.equal((await update(uid, performedProcedure(), winner)).status, 200, 'the winner holds the lock');
      for (const lock of locks.filter((l) => l !== winner).slice(0, 3)) {
        assert.equal((await update(uid, performedProcedure(), lock)).status, 400);
      }
      assert.equal((await changeState(uid, 'COMPLETED', winner)).status, 200);
    });
  });
});
