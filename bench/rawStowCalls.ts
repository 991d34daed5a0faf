/**
 * The storage calls of one STOW-RS request made with the raw SDK alone, in the order the server
 * makes them (what bench:calls counts): per request a marker, per instance a reservation with the
 * upload, then an index upsert; one change-feed transaction, one visibility transaction per 100
 * instances, the summary read and write, and the marker's removal. Used by the raw side of
 * bench/stowEfficiency.ts and by the pass-through function (bench/passThroughApp.ts).
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import { newUid } from '../test/support/dicomFactory';

export interface RawStowFile {
  readonly sop: string;
  readonly series: string;
  readonly bytes: Buffer;
}

export interface RawStowStudy {
  readonly uid: string;
  readonly series: readonly string[];
  readonly files: readonly RawStowFile[];
}

export interface RawStowRequest {
  add(file: RawStowFile): Promise<void>;
  finish(series: readonly string[]): Promise<void>;
}

interface RawClients {
  readonly container: ContainerClient;
  readonly instances: TableClient;
  readonly index: TableClient;
  readonly feed: TableClient;
  readonly studies: TableClient;
}

export class RawStowCalls {
  private readonly feedCounter: { last: number; etag?: string } = { last: 0 };

  private constructor(private readonly clients: RawClients) {}

  /** Tables and a container of its own (`{prefix}Instances`, …), so it never meets the server's data. */
  static async create(connectionString: string, prefix: string): Promise<RawStowCalls> {
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(
      `${prefix.toLowerCase()}stow`,
    );
    await container.createIfNotExists();
    const table = async (name: string): Promise<TableClient> => {
      const client = TableClient.fromConnectionString(connectionString, `${prefix}${name}`, {
        allowInsecureConnection: true,
      });
      await client.createTable();
      return client;
    };
    return new RawStowCalls({
      container,
      instances: await table('Instances'),
      index: await table('SopIndex'),
      feed: await table('ChangeFeed'),
      studies: await table('Studies'),
    });
  }

  /** One request's calls over a study held in memory. */
  async store(study: RawStowStudy): Promise<void> {
    const request = await this.begin(study.uid);
    for (const file of study.files) await request.add(file);
    await request.finish(study.series);
  }

  /** One request's calls as its files arrive: the marker now, each file's calls as it is added, the rest at the end. */
  async begin(studyUid: string): Promise<RawStowRequest> {
    const { clients, feedCounter } = this;
    const version = newUid();
    const marker = { partitionKey: '~pending-00', rowKey: `${studyUid}|${version}`, Kind: 'request', Version: version };
    await clients.instances.upsertEntity(marker, 'Replace');
    const reserved: { rowKey: string; etag: string }[] = [];
    return {
      add: async (file) => {
        const rowKey = `${file.series}|${file.sop}`;
        const attempt = `${version}.${reserved.length}`;
        const [reservation] = await Promise.all([
          clients.instances.createEntity({ partitionKey: studyUid, rowKey, State: 'creating', Version: attempt }),
          clients.container.getBlockBlobClient(`${studyUid}/${rowKey}/${attempt}/file.dcm`).uploadData(file.bytes),
        ]);
        await clients.index.upsertEntity({ partitionKey: file.sop, rowKey: studyUid, Version: version }, 'Replace');
        reserved.push({ rowKey, etag: reservation.etag ?? '' });
      },
      finish: async (series) => {
        const first = feedCounter.last + 1;
        feedCounter.last += reserved.length;
        const counter = { partitionKey: 'feed', rowKey: 'counter', Last: feedCounter.last };
        const feedActions: TransactionAction[] = [
          feedCounter.etag ? ['update', counter, 'Replace', { etag: feedCounter.etag }] : ['create', counter],
          ['create', { partitionKey: 'feed', rowKey: `seq-${String(first).padStart(16, '0')}`, Events: '[]' }],
        ];
        const feedResponse = await clients.feed.submitTransaction(feedActions);
        feedCounter.etag = feedResponse.subResponses[0]?.etag;
        for (let start = 0; start < reserved.length; start += 100) {
          await clients.instances.submitTransaction(
            reserved
              .slice(start, start + 100)
              .map(({ rowKey, etag }): TransactionAction => [
                'update',
                { partitionKey: studyUid, rowKey, State: 'created' },
                'Replace',
                { etag },
              ]),
          );
        }
        const filter = `PartitionKey eq '${studyUid}'`;
        for await (const row of clients.studies.listEntities({ queryOptions: { filter } })) void row;
        await clients.studies.submitTransaction([
          ['upsert', { partitionKey: studyUid, rowKey: '~', Instances: reserved.length }, 'Replace'],
          ...series.map((s): TransactionAction => ['upsert', { partitionKey: studyUid, rowKey: s }, 'Replace']),
        ]);
        await clients.instances.deleteEntity(marker.partitionKey, marker.rowKey);
      },
    };
  }
}
