// Query parameters of GET changefeed, per API version: defaults, bounds, and 400s naming the parameter.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseChangeFeedQuery, parseIncludeMetadata } from '../../shared/changefeed/changeFeedQuery';
import { BadRequestError } from '../../shared/errors';

const q = (text: string) => new URLSearchParams(text);

function rejects(text: string, version: 'v1' | 'v2', parameter: string) {
  assert.throws(
    () => parseChangeFeedQuery(q(text), version),
    (error: unknown) => error instanceof BadRequestError && error.message.includes(`'${parameter}'`),
    `${version} ?${text} should be a 400 naming ${parameter}`,
  );
}

describe('change feed query', () => {
  test('v1 defaults: from the start, 10 entries, with metadata', () => {
    assert.deepEqual(parseChangeFeedQuery(q(''), 'v1'), {
      kind: 'sequence',
      afterSequence: 0,
      limit: 10,
      includeMetadata: true,
    });
  });

  test('v1 reads offset, limit and includemetadata in any case', () => {
    assert.deepEqual(parseChangeFeedQuery(q('Offset=42&LIMIT=100&includeMetadata=False'), 'v1'), {
      kind: 'sequence',
      afterSequence: 42,
      limit: 100,
      includeMetadata: false,
    });
  });

  test('v1 bad values', () => {
    rejects('limit=0', 'v1', 'limit');
    rejects('limit=101', 'v1', 'limit');
    rejects('limit=ten', 'v1', 'limit');
    rejects('offset=-1', 'v1', 'offset');
    rejects('offset=1.5', 'v1', 'offset');
    rejects('includemetadata=yes', 'v1', 'includemetadata');
  });

  test('v2 defaults: no window, skip nothing, 100 entries', () => {
    assert.deepEqual(parseChangeFeedQuery(q(''), 'v2'), {
      kind: 'timeWindow',
      startTime: undefined,
      endTime: undefined,
      skip: 0,
      limit: 100,
      includeMetadata: true,
    });
  });

  test('v2 reads the window; times without an offset are UTC; an unencoded + survives', () => {
    const query = parseChangeFeedQuery(
      q('startTime=2024-05-01T10:00:00&endTime=2024-05-01T13:00:00+02:00&offset=5&limit=200'),
      'v2',
    );
    assert.equal(query.kind, 'timeWindow');
    if (query.kind !== 'timeWindow') return;
    assert.equal(query.startTime?.toISOString(), '2024-05-01T10:00:00.000Z');
    assert.equal(query.endTime?.toISOString(), '2024-05-01T11:00:00.000Z');
    assert.equal(query.skip, 5);
    assert.equal(query.limit, 200);
    const dateOnly = parseChangeFeedQuery(q('startTime=2024-05-01'), 'v2');
    assert.equal(dateOnly.kind === 'timeWindow' && dateOnly.startTime?.toISOString(), '2024-05-01T00:00:00.000Z');
  });

  test('v2 bad values', () => {
    rejects('limit=201', 'v2', 'limit');
    rejects('limit=0', 'v2', 'limit');
    rejects('offset=-3', 'v2', 'offset');
    rejects('startTime=yesterday', 'v2', 'startTime');
    rejects('endTime=2024-13-45T99:00:00Z', 'v2', 'endTime');
    rejects('startTime=2024-05-02T00:00:00Z&endTime=2024-05-01T00:00:00Z', 'v2', 'endTime');
    rejects('includemetadata=1', 'v2', 'includemetadata');
  });

  test('includemetadata alone, for changefeed/latest', () => {
    assert.equal(parseIncludeMetadata(q('')), true);
    assert.equal(parseIncludeMetadata(q('includemetadata=false')), false);
    assert.throws(() => parseIncludeMetadata(q('includemetadata=')), BadRequestError);
  });
});
