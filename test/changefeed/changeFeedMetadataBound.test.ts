// A page of the change feed stays bounded however large the stored metadata: an entry whose
// metadata is over the per-entry bound comes without it, and the page still answers 200.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_ENTRY_METADATA_BYTES } from '../../shared/changefeed/changeFeedStates';
import { makeDicom } from '../support/dicomFactory';
import { stowFiles } from '../support/stowClient';
import { useTestServer } from '../support/serverFixture';
import { getJson, type FeedEntry } from './feedClient';

describe('change feed metadata bound', () => {
  const ctx = useTestServer();

  test('an entry with huge metadata comes without it; its neighbours keep theirs', async () => {
    const huge = Buffer.alloc(MAX_ENTRY_METADATA_BYTES + 1024, 'x');
    const files = [
      makeDicom({ patientName: 'Small^One' }),
      makeDicom({ elements: [{ tag: '00091010', vr: 'UT', value: huge }] }),
      makeDicom({ patientName: 'Small^Two' }),
    ];
    for (const file of files) assert.equal((await stowFiles(`${ctx.baseUrl}/v2/studies`, [file])).status, 200);
    const page = await getJson<FeedEntry[]>(`${ctx.baseUrl}/v2/changefeed?includemetadata=true`);
    assert.equal(page.status, 200);
    const entries = page.json ?? [];
    assert.equal(entries.length, 3);
    assert.deepEqual(
      entries.map((e) => [e.State, 'Metadata' in e]),
      [
        ['current', true],
        ['current', false],
        ['current', true],
      ],
    );
  });
});
