// Three `npm start` servers on one storage account, as three instances of the app on Azure: each has
// its own change-feed writer racing the others for the counter (one of them stages every commit, so
// the staged path races the direct one for sure). Single-instance stores go to all three at once,
// one server is killed with SIGKILL mid-way and restarted. Afterwards the feed must be gapless with
// every instance once, and retrieve, search and the feed must agree on every instance sent
// (docs/delete-and-changefeed.md "Many writers").
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startAzurite, type Azurite } from '../../host/azurite';
import { newUid } from '../support/dicomFactory';
import { readReply } from '../support/httpReply';
import {
  disagreements,
  killServer,
  newInstance,
  startServer,
  stopServer,
  type Sent,
  type StartedServer,
} from '../support/startCrash';
import { storageProbe } from '../support/storageProbe';
import { stowFiles } from '../support/stowClient';

const START = path.resolve(__dirname, '..', '..', 'host', 'start.js');
const CLIENTS_PER_SERVER = 4;
const INSTANCES = 150;
const KILL_AFTER_ACKS = 60;

interface FeedEntry {
  readonly Sequence: number;
  readonly Action: string;
  readonly SopInstanceUid: string;
}

describe('change feed written by three servers at once', () => {
  let azurite: Azurite;
  const servers: StartedServer[] = [];
  const envOf = (alwaysStage: boolean): Record<string, string> => ({
    PORT: '0',
    DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
    DICOM_LOCAL_FEED_ALWAYS_STAGE: String(alwaysStage),
    DICOM_STORE_LEASE_SECONDS: '10',
  });

  before(async () => {
    azurite = await startAzurite({ inMemory: true });
    // For the storage probe of this process (the servers get theirs from envOf).
    process.env.DICOM_STORAGE_CONNECTION_STRING = azurite.connectionString;
    process.env.AUTH_ENABLED = 'false';
    for (const alwaysStage of [false, false, true]) servers.push(await startServer(START, envOf(alwaysStage)));
  });
  after(async () => {
    await Promise.all(servers.map((s) => stopServer(s)));
    await azurite.stop();
  });

  test('every store once in a gapless feed, across a kill -9 of one server', async () => {
    const sent: Sent[] = [];
    const acknowledged = new Set<string>();
    let next = 0;
    let killed = false;
    const client = async (server: number): Promise<void> => {
      while (next < INSTANCES) {
        next += 1;
        const instance = newInstance(newUid());
        sent.push(instance);
        const target = servers[server] as StartedServer;
        try {
          const reply = await stowFiles(`${target.baseUrl}/v2/studies`, [instance.expected]);
          if (reply.status === 200) acknowledged.add(instance.sop);
        } catch {
          return; // this server was killed
        }
        if (!killed && acknowledged.size >= KILL_AFTER_ACKS) {
          killed = true;
          killServer(servers[2] as StartedServer, 'server'); // the one that stages every commit
        }
      }
    };
    await Promise.all([0, 1, 2].flatMap((server) => Array.from({ length: CLIENTS_PER_SERVER }, () => client(server))));
    assert.ok(killed);

    // Restarted, it numbers what it staged and never saw numbered, and settles its stores.
    servers[2] = await startServer(START, envOf(true));
    const reader = (servers[0] as StartedServer).baseUrl;

    const feed = await wholeFeed(reader);
    assert.deepEqual(
      feed.map((e) => e.Sequence),
      feed.map((_, i) => i + 1),
      'gapless from 1',
    );
    const creates = feed.filter((e) => e.Action === 'create').map((e) => e.SopInstanceUid);
    assert.equal(new Set(creates).size, creates.length, 'each instance once');
    for (const sop of acknowledged) assert.ok(creates.includes(sop), `acknowledged ${sop} is in the feed`);
    assert.deepEqual(await disagreements(reader, sent), []);
    assert.ok(acknowledged.size >= KILL_AFTER_ACKS);

    // Both paths ran: blocks of sequencing rounds and of direct commits.
    const blocks = await storageProbe(azurite.connectionString).entities(
      'ChangeFeed',
      `PartitionKey eq 'feed' and RowKey gt 'seq-' and RowKey lt 'seq.'`,
    );
    const staged = blocks.filter((b) => typeof b.Stages === 'string').length;
    assert.ok(staged > 0 && staged < blocks.length, `${staged} of ${blocks.length} blocks from rounds`);
    assert.deepEqual(
      await storageProbe(azurite.connectionString).entities(
        'ChangeFeed',
        `PartitionKey ge 'stage-' and PartitionKey lt 'stage.'`,
      ),
      [],
      'nothing left staged',
    );
  });
});

async function wholeFeed(baseUrl: string): Promise<FeedEntry[]> {
  const entries: FeedEntry[] = [];
  for (;;) {
    const page = await readReply<FeedEntry[]>(
      await fetch(`${baseUrl}/v1/changefeed?offset=${entries.length}&limit=100&includemetadata=false`),
    );
    assert.equal(page.status, 200, page.text);
    if (!page.json || page.json.length === 0) return entries;
    entries.push(...page.json);
  }
}
