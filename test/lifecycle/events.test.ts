/**
 * DICOM events (docs/lifecycle.md): every committed change reaches the `dicom-events` queue as one
 * Event Grid-schema event (type, subject, data, `sequenceNumber` = the change-feed sequence), a
 * store that did not commit never does, a filtered queue takes only what its filter passes, and
 * the Event Grid sink posts the same events with a bearer token.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { eventOf } from '../../shared/events/eventGridEvent';
import { eventGridSink } from '../../shared/events/eventSinks';
import type { FeedEntry } from '../changefeed/feedClient';
import { makeDicom, newUid } from '../support/dicomFactory';
import { readReply } from '../support/httpReply';
import { useTestServer } from '../support/serverFixture';
import { stowFiles } from '../support/stowClient';
import { queueOf, receiveUntil, type ReceivedEvent } from './eventQueue';
import { put } from './upsertClient';

const server = useTestServer({ env: { DICOM_EVENTS_FILTERED_QUEUES: 'ct-only?Modality=CT' } });

async function feed(): Promise<FeedEntry[]> {
  return (await readReply<FeedEntry[]>(await fetch(`${server.baseUrl}/v2/changefeed?limit=200`))).json ?? [];
}

describe('DICOM events', () => {
  it('publishes created, updated and deleted events with the change-feed sequence, and none for a failed store', async () => {
    const uids = { study: newUid(), series: newUid(), sop: newUid() };
    const spec = { studyInstanceUid: uids.study, seriesInstanceUid: uids.series, sopInstanceUid: uids.sop };
    assert.equal(
      (await stowFiles(`${server.baseUrl}/v2/studies`, [makeDicom({ ...spec, modality: 'CT' })])).status,
      200,
    );
    // Fails validation (no SOP Class UID): never committed, so never an event.
    const failedSop = newUid();
    const failed = makeDicom({ sopInstanceUid: failedSop, elements: [{ tag: '00080016', vr: 'UI', value: '' }] });
    assert.equal((await stowFiles(`${server.baseUrl}/v2/studies`, [failed])).status, 409);
    assert.equal((await put(`${server.baseUrl}/v2/studies`, [makeDicom({ ...spec, modality: 'MR' })])).status, 200);
    const mr = { ...uids, sop: newUid() };
    assert.equal(
      (
        await stowFiles(`${server.baseUrl}/v2/studies`, [
          makeDicom({ ...spec, sopInstanceUid: mr.sop, modality: 'MR' }),
        ])
      ).status,
      200,
    );
    const url = `${server.baseUrl}/v2/studies/${uids.study}/series/${uids.series}/instances/${uids.sop}`;
    assert.equal((await fetch(url, { method: 'DELETE' })).status, 204);

    const entries = await feed();
    const last = Math.max(...entries.map((e) => e.Sequence));
    const events = await receiveUntil(queueOf(server.connectionString, 'dicom-events'), (received) =>
      received.some((e) => e.data.sequenceNumber === last),
    );
    const bySequence = new Map<number, ReceivedEvent>(events.map((e) => [e.data.sequenceNumber, e]));
    // Every feed entry has its event (at least once), and no event names a change outside the feed.
    assert.deepEqual(
      [...bySequence.keys()].sort((a, b) => a - b),
      entries.map((e) => e.Sequence),
    );
    assert.ok(!events.some((e) => e.data.imageSopInstanceUid === failedSop));
    const types = { create: 'DicomImageCreated', update: 'DicomImageUpdated', delete: 'DicomImageDeleted' };
    for (const entry of entries) {
      const event = bySequence.get(entry.Sequence) as ReceivedEvent;
      assert.equal(event.eventType, `Microsoft.HealthcareApis.${types[entry.Action]}`);
      assert.equal(event.data.imageSopInstanceUid, entry.SopInstanceUid);
      assert.equal(event.data.imageStudyInstanceUid, entry.StudyInstanceUid);
      assert.equal(event.data.partitionName, 'Microsoft.Default');
      assert.equal(
        event.subject,
        `localhost/v1/partitions/Microsoft.Default/studies/${entry.StudyInstanceUid}/series/${entry.SeriesInstanceUid}/instances/${entry.SopInstanceUid}`,
      );
      assert.equal(new Date(event.eventTime).getTime(), new Date(entry.Timestamp).getTime());
      assert.deepEqual([event.dataVersion, event.metadataVersion], ['1', '1']);
      assert.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    assert.deepEqual(
      entries
        .filter((e) => e.SopInstanceUid === uids.sop)
        .map((e) => bySequence.get(e.Sequence)?.eventType.split('.')[2]),
      ['DicomImageCreated', 'DicomImageUpdated', 'DicomImageDeleted'],
    );

    // The CT-only queue: the create of the CT version; not the MR update, the MR create, or the delete.
    const ct = await receiveUntil(queueOf(server.connectionString, 'ct-only'), (received) => received.length >= 1);
    assert.deepEqual(
      ct.map((e) => [e.eventType, e.data.imageSopInstanceUid]),
      [['Microsoft.HealthcareApis.DicomImageCreated', uids.sop]],
    );
  });

  it('posts events to an Event Grid topic with a bearer token', async () => {
    const seen: { auth: string | undefined; body: unknown }[] = [];
    const topic = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        seen.push({ auth: request.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString()) });
        response.writeHead(seen.length === 1 ? 503 : 200).end();
      });
    });
    await new Promise<void>((resolve) => topic.listen(0, '127.0.0.1', resolve));
    try {
      const sink = eventGridSink(`http://127.0.0.1:${(topic.address() as AddressInfo).port}/api/events`, () =>
        Promise.resolve('token-1'),
      );
      const event = eventOf(
        {
          sequence: 7,
          action: 'update',
          studyInstanceUid: '1.2',
          seriesInstanceUid: '1.2.3',
          sopInstanceUid: '1.2.3.4',
          version: 'v',
          eventTime: new Date('2024-01-02T03:04:05Z'),
          partitionName: 'Microsoft.Default',
        },
        { serviceHostName: 'dicom.example.org', topic: '/subscriptions/s/x' },
      );
      const outgoing = [{ event, subject: { eventType: event.eventType, partitionName: 'p', modalities: [] } }];
      // A refused post throws, so the publisher keeps its checkpoint and sends again.
      await assert.rejects(sink(outgoing), /Event Grid answered 503/);
      await sink(outgoing);
      assert.equal(seen.length, 2);
      assert.equal(seen[1]?.auth, 'Bearer token-1');
      assert.deepEqual(seen[1]?.body, [event]);
      assert.equal(event.eventType, 'Microsoft.HealthcareApis.DicomImageUpdated');
      assert.equal(event.data.sequenceNumber, 7);
      assert.equal(
        event.id,
        eventOf(
          {
            ...event.data,
            sequence: 7,
            action: 'update',
            studyInstanceUid: '1.2',
            seriesInstanceUid: '1.2.3',
            sopInstanceUid: '1.2.3.4',
            version: 'w',
            eventTime: new Date(),
          },
          { serviceHostName: 'dicom.example.org', topic: '' },
        ).id,
        'the same id when sent again',
      );
    } finally {
      topic.close();
    }
  });
});
