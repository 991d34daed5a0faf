// Step messages and operation ids: what the runner and the route accept, and what they refuse.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isOperationId, newOperationId, operationIdFromRoute } from '../../shared/operations/operationId';
import { parseStepMessage } from '../../shared/operations/operationQueue';

describe('operation ids', () => {
  test('new ids are 32 lower-case hex digits', () => {
    const id = newOperationId();
    assert.ok(isOperationId(id), id);
    assert.notEqual(newOperationId(), id);
  });

  test('a route id in any .NET GUID form maps to the stored form; anything else to none', () => {
    const n = '0123456789abcdef0123456789abcdef';
    for (const form of [
      n,
      n.toUpperCase(),
      '01234567-89ab-cdef-0123-456789abcdef',
      '{01234567-89AB-cdef-0123-456789abcdef}',
      '(01234567-89ab-cdef-0123-456789abcdef)',
    ]) {
      assert.equal(operationIdFromRoute(form), n, form);
    }
    for (const bad of [
      undefined,
      '',
      'x',
      `${n}0`,
      '01234567-89ab-cdef-0123456789abcdef',
      '{0123456789abcdef0123456789abcdef}',
      'g'.repeat(32),
    ]) {
      assert.equal(operationIdFromRoute(bad), undefined, String(bad));
    }
  });
});

describe('step messages', () => {
  const id = '0123456789abcdef0123456789abcdef';
  test('accepts an id with or without a step number', () => {
    assert.deepEqual(parseStepMessage({ operationId: id, step: 3 }), { operationId: id, step: 3 });
    assert.deepEqual(parseStepMessage({ operationId: id }), { operationId: id });
  });

  test('refuses anything else', () => {
    for (const bad of [
      null,
      'text',
      42,
      [],
      { operationId: 'abc' },
      { operationId: id, step: -1 },
      { operationId: id, step: 1.5 },
      { operationId: id, step: '2' },
      { id },
    ]) {
      assert.equal(parseStepMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});
