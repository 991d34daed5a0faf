/**
 * Loads a search dataset straight into the tables, for store sizes STOW-RS on Azurite cannot reach
 * in reasonable time (Azurite's cost per store grows with the change-feed partition and the number
 * of blobs). Everything search reads is written by the production code: each file is parsed by the
 * store's parser and projected like a store projects it, the instance entities are the `created`
 * entities a store leaves, the SOP Instance UID index comes from indexInstance, and the summaries
 * and their index entries from refreshStudy. Only the blobs and the change feed are skipped, which
 * search never reads.
 *
 * The caller points the process's configuration at the target storage first (the environment
 * variables of shared/config.ts, then resetConfig/resetClients).
 */
import type { TransactionAction } from '@azure/data-tables';
import { mapConcurrently } from '../shared/changefeed/mapConcurrently';
import { getString } from '../shared/dicom/dicomJson';
import { Part10StreamParser } from '../shared/dicom/part10StreamParser';
import { Tag } from '../shared/dicom/tags';
import { indexInstance } from '../shared/search/instanceIndex';
import { refreshStudy } from '../shared/search/summaryRefresh';
import { newVersion, type InstanceKey } from '../shared/storage/blobLayout';
import { table } from '../shared/storage/clients';
import { createdEntity } from '../shared/storage/instanceRecords';
import { ensureStorage } from '../shared/storage/provision';
import { instanceProperties } from '../shared/store/instanceProjection';
import { studyFiles, type Dataset } from './searchDataset';

/** Studies seeded at once: enough to keep Azurite busy, few enough to keep memory small. */
const STUDY_CONCURRENCY = 8;

export interface SeedReport {
  readonly studies: number;
  readonly instances: number;
  readonly seconds: number;
}

export async function seedDirect(
  dataset: Dataset,
  progress: (studies: number, instances: number) => void,
): Promise<SeedReport> {
  await ensureStorage();
  const started = performance.now();
  let sequence = 0;
  let instances = 0;
  let studies = 0;
  await mapConcurrently(dataset.studies, STUDY_CONCURRENCY, async (study) => {
    const entities = studyFiles(dataset.seed, study).map((file) => {
      sequence += 1;
      return seededInstance(file, sequence);
    });
    // One transaction per 100 instances of the study's partition, as the store's batcher would group them.
    for (let start = 0; start < entities.length; start += 100) {
      const chunk = entities.slice(start, start + 100);
      await table('instances').submitTransaction(chunk.map((e): TransactionAction => ['upsert', e.entity, 'Replace']));
    }
    await mapConcurrently(entities, 8, (e) => indexInstance(e.key, e.version));
    await refreshStudy(study.uid);
    studies += 1;
    instances += entities.length;
    progress(studies, instances);
  });
  return { studies, instances, seconds: (performance.now() - started) / 1000 };
}

function seededInstance(file: Buffer, sequence: number) {
  const parser = new Part10StreamParser();
  parser.write(file);
  const parsed = parser.end();
  const key: InstanceKey = {
    studyInstanceUid: getString(parsed.dataset, Tag.StudyInstanceUID) ?? '',
    seriesInstanceUid: getString(parsed.dataset, Tag.SeriesInstanceUID) ?? '',
    sopInstanceUid: getString(parsed.dataset, Tag.SOPInstanceUID) ?? '',
  };
  const version = newVersion();
  const { properties } = instanceProperties({
    dataset: parsed.dataset,
    transferSyntaxUid: parsed.transferSyntaxUid,
    frames: parsed.frames,
    fileSize: file.length,
  });
  const entity = createdEntity(key, version, { ...properties, Sequence: sequence, StoredAt: new Date() });
  return { key, version, entity };
}
