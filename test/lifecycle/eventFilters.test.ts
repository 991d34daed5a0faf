/** DICOM_EVENTS_FILTERED_QUEUES: parsing (bad entries are configuration errors) and matching. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../shared/config';
import { matches, parseFilteredQueues } from '../../shared/events/eventFilters';

const CREATED = 'Microsoft.HealthcareApis.DicomImageCreated';
const DELETED = 'Microsoft.HealthcareApis.DicomImageDeleted';
const BASE_ENV = { DICOM_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', AUTH_ENABLED: 'false' };

describe('filtered event queues', () => {
  it('parses queues with conditions and matches every condition', () => {
    const problems: string[] = [];
    const [ctMr, deletes, all] = parseFilteredQueues(
      'ct-mr?Modality=ct, MR ; deletes?eventType=DicomImageDeleted&partitionName=Microsoft.Default;all-events',
      problems,
    );
    assert.deepEqual(problems, []);
    assert.ok(ctMr && deletes && all);
    const created = { eventType: CREATED, partitionName: 'Microsoft.Default', modalities: ['MR'] };
    const deleted = { eventType: DELETED, partitionName: 'Microsoft.Default', modalities: undefined };
    assert.equal(matches(ctMr, created), true);
    assert.equal(matches(ctMr, { ...created, modalities: ['US'] }), false);
    assert.equal(matches(ctMr, deleted), false, 'a delete has no modality to match');
    assert.equal(matches(deletes, deleted), true);
    assert.equal(matches(deletes, { ...deleted, partitionName: 'other' }), false);
    assert.equal(matches(deletes, created), false);
    assert.equal(matches(all, created) && matches(all, deleted), true);
  });

  it('refuses bad queue names and unknown keys as configuration errors', () => {
    const problems: string[] = [];
    parseFilteredQueues('Bad_Name?Modality=CT;ok-queue?PatientName=x;ok-two?Modality=', problems);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.throws(
      () =>
        loadConfig({
          ...BASE_ENV,
          DICOM_EVENTS_QUEUE: 'No--Good',
        }),
      /DICOM_EVENTS_QUEUE "No--Good" is not a valid queue name/,
    );
    const config = loadConfig(BASE_ENV);
    assert.equal(config.events.queue, 'dicom-events');
    assert.equal(config.events.enabled, true);
  });
});
