// Grouped table writes keep each write's own outcome (real Azurite, no mocks).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { TableClient } from '@azure/data-tables';
import { PartitionBatcher } from '../../shared/storage/partitionBatcher';
import { storageStatus } from '../../shared/storage/storageErrors';
import { useTestServer } from '../support/serverFixture';

describe('PartitionBatcher', () => {
  const ctx = useTestServer();
  let client: TableClient;

  before(async () => {
    client = TableClient.fromConnectionString(ctx.connectionString, 'batcherTest', {
      allowInsecureConnection: true,
    });
    await client.createTable();
  });

  test('concurrent creates in one partition all succeed, each with its ETag', async () => {
    const batcher = new PartitionBatcher(() => client);
    const etags = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        // `|` is URL-encoded in sub-responses: the keys the store path uses.
        batcher.submit(['create', { partitionKey: 'p1', rowKey: `series|r${i}`, N: i }]),
      ),
    );
    assert.equal(etags.length, 150);
    for (const etag of etags) assert.match(String(etag), /^W\/"datetime'/);
    let count = 0;
    for await (const _ of client.listEntities({ queryOptions: { filter: "PartitionKey eq 'p1'" } })) count += 1;
    assert.equal(count, 150);
  });

  test('one failing write in a group fails alone', async () => {
    await client.createEntity({ partitionKey: 'p2', rowKey: 'taken' });
    const batcher = new PartitionBatcher(() => client);
    const results = await Promise.allSettled(
      ['a', 'taken', 'b', 'c'].map((rowKey) => batcher.submit(['create', { partitionKey: 'p2', rowKey }])),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    const rejected = results[1] as PromiseRejectedResult;
    assert.equal(storageStatus(rejected.reason), 409);
  });

  test('a stale ETag fails only its own update', async () => {
    const created = await client.createEntity({ partitionKey: 'p3', rowKey: 'x', V: 1 });
    await client.updateEntity({ partitionKey: 'p3', rowKey: 'x', V: 2 }, 'Replace');
    const batcher = new PartitionBatcher(() => client);
    const results = await Promise.allSettled([
      batcher.submit(['update', { partitionKey: 'p3', rowKey: 'x', V: 3 }, 'Replace', { etag: created.etag }]),
      batcher.submit(['create', { partitionKey: 'p3', rowKey: 'y' }]),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'fulfilled'],
    );
    assert.equal(storageStatus((results[0] as PromiseRejectedResult).reason), 412);
  });
});
