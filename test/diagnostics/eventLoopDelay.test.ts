// The opt-in event-loop diagnostic's setting: off unless asked, an interval when asked, refused when odd.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventLoopIntervalMs } from '../../shared/diagnostics/eventLoopDelay';

test('DICOM_DIAG_EVENT_LOOP: off by default, 2 s when true, an interval in ms, else refused', () => {
  for (const off of [undefined, '', '0', 'false', ' FALSE ']) assert.equal(eventLoopIntervalMs(off), undefined);
  assert.equal(eventLoopIntervalMs('1'), 2000);
  assert.equal(eventLoopIntervalMs('true'), 2000);
  assert.equal(eventLoopIntervalMs('250'), 250);
  for (const bad of ['10', 'yes', '1.5', '-100'])
    assert.throws(() => eventLoopIntervalMs(bad), /DICOM_DIAG_EVENT_LOOP/);
});
