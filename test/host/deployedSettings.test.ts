// The size and time limits are one decision written in four places: the app's default, the
// local host's default for the host limit, local.settings.json (Core Tools) and the Bicep template.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DEPLOYED_BODY_SIZE_LIMIT, functionTimeoutMs } from '../../host/functionsHost/functionsHost';
import { DEFAULT_MAX_REQUEST_BYTES } from '../../shared/config';
import { variables, withoutComments } from '../deploy/bicepText';
import { APP_ROOT } from '../support/testServer';

test('the host body limit sits above the app limit, the same everywhere', () => {
  const localSettings = JSON.parse(readFileSync(path.join(APP_ROOT, 'local.settings.json'), 'utf8')) as {
    Values: Record<string, string>;
  };
  const bicep = variables(withoutComments(readFileSync(path.join(APP_ROOT, 'infra', 'main.bicep'), 'utf8')));
  assert.equal(Number(localSettings.Values.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT), DEPLOYED_BODY_SIZE_LIMIT);
  assert.equal(Number(bicep.get('hostRequestBodyLimitBytes')), DEPLOYED_BODY_SIZE_LIMIT);
  assert.equal(Number(bicep.get('maxRequestBytes')), DEFAULT_MAX_REQUEST_BYTES);
  assert.ok(DEFAULT_MAX_REQUEST_BYTES < DEPLOYED_BODY_SIZE_LIMIT);
});

test('functionTimeout leaves time for the largest request from a slow client (150 KB/s)', () => {
  const seconds = functionTimeoutMs(APP_ROOT) / 1000;
  assert.ok(DEFAULT_MAX_REQUEST_BYTES / seconds <= 150_000, `${seconds} s for ${DEFAULT_MAX_REQUEST_BYTES} bytes`);
});
