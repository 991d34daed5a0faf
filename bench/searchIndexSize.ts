/**
 * `npm run bench:search-index-size`: how many index entities, and how many bytes of table data, a
 * study costs, and how many entries a new series of a new modality writes (issue 13's write
 * amplification). Seeds into an in-memory Azurite by the production code (bench/searchSeed.ts):
 *
 *   node dist/bench/searchIndexSize.js [--instances 1000] [--seed 1]
 *
 * 1. The search bench's dataset of `--instances` instances: index and summary entities and bytes
 *    per study.
 * 2. A "wide" study: one instance whose indexed values are all at their longest (64 characters),
 *    so every suffix index holds 64 entries per value; then one instance in a new series of a new
 *    modality, and the index entries that second refresh wrote (their Timestamp moved).
 *
 * Bytes follow the billing formula of Azure Table Storage: 4 + 2 × (PartitionKey + RowKey
 * characters) + per property 8 + 2 × name characters + the value (strings 4 + 2 × characters,
 * numbers and dates 8, booleans 1).
 */
import { parseArgs } from 'node:util';
import type { TableEntity } from '@azure/data-tables';
import { startAzurite } from '../host/azurite';
import { resetConfig } from '../shared/config';
import { SEARCH_INDEXES } from '../shared/search/searchIndexes';
import { resetClients, tableNamed } from '../shared/storage/clients';
import { integersAtLeast } from './cliArgs';
import { generateDataset, type Dataset, type StudyPlan } from './searchDataset';
import { seedDirect } from './searchSeed';

interface Tally {
  entities: number;
  bytes: number;
}

const SYSTEM_PROPERTIES = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp']);

function entityBytes(entity: Record<string, unknown>): number {
  let bytes = 4 + 2 * (String(entity.partitionKey).length + String(entity.rowKey).length);
  for (const [name, value] of Object.entries(entity)) {
    if (SYSTEM_PROPERTIES.has(name) || name.startsWith('odata')) continue;
    bytes += 8 + 2 * name.length;
    if (typeof value === 'string') bytes += 4 + 2 * value.length;
    else if (typeof value === 'boolean') bytes += 1;
    else bytes += 8;
  }
  return bytes;
}

async function tallyTable(name: string, filter?: string, since?: string): Promise<Tally> {
  const tally: Tally = { entities: 0, bytes: 0 };
  const rows = tableNamed(name).listEntities<TableEntity<Record<string, unknown>>>(
    filter === undefined ? {} : { queryOptions: { filter } },
  );
  for await (const row of rows) {
    if (since !== undefined && String(row.timestamp) < since) continue;
    tally.entities += 1;
    tally.bytes += entityBytes(row);
  }
  return tally;
}

/** Study- and series-level indexes (the per-instance SOP index is the same before and after). */
const SUMMARY_INDEXES = SEARCH_INDEXES.filter((index) => index.level !== 'instance');

async function indexTally(filter?: string, since?: string): Promise<Tally> {
  const total: Tally = { entities: 0, bytes: 0 };
  for (const index of SUMMARY_INDEXES) {
    const t = await tallyTable(index.table, filter, since);
    total.entities += t.entities;
    total.bytes += t.bytes;
  }
  return total;
}

function studyFilter(study: string): string {
  return `RowKey eq '${study}' or (RowKey ge '${study}|' and RowKey lt '${study}|~')`;
}

const LONG = (stem: string): string => stem.repeat(64).slice(0, 64);

function wideStudy(index: number, uid: string, series: StudyPlan['series']): StudyPlan {
  return {
    index,
    uid,
    patient: {
      name: `${LONG('Abcdefghij')}^${LONG('Klmnopq')}`.slice(0, 64),
      family: LONG('Abcdefghij'),
      given: '',
      id: LONG('0123456789'),
      birthDate: '19700101',
      sex: 'F',
    },
    accessionNumber: LONG('A1').slice(0, 16),
    date: '20240101',
    time: '101010',
    description: LONG('Study description '),
    referringPhysician: `${LONG('Referrer')}`,
    series,
    instances: series.reduce((sum, s) => sum + s.instances, 0),
  };
}

function oneStudyDataset(seed: number, study: StudyPlan): Dataset {
  return { seed, studies: [study], instances: study.instances, series: study.series.length, patients: 1 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { instances: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } },
  });
  const [instances = 1000] = integersAtLeast('instances', values.instances, 1);
  const [seed = 1] = integersAtLeast('seed', values.seed, 0);
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  try {
    process.env.DICOM_STORAGE_CONNECTION_STRING = azurite.connectionString;
    process.env.AUTH_ENABLED = 'false';
    resetConfig();
    resetClients();

    const dataset = generateDataset(instances, seed);
    const started = performance.now();
    await seedDirect(dataset, () => undefined);
    const seconds = (performance.now() - started) / 1000;
    const index = await indexTally();
    const summaries = await tallyTable('Studies');
    const n = dataset.studies.length;
    const per = (t: Tally) => `${(t.entities / n).toFixed(1)} entities, ${Math.round(t.bytes / n)} bytes`;
    console.log(
      `dataset: ${dataset.instances} instances, ${n} studies, ${dataset.series} series; seeded in ${seconds.toFixed(1)} s`,
    );
    console.log(
      `  index (study and series levels): ${index.entities} entities, ${index.bytes} bytes; per study ${per(index)}`,
    );
    console.log(
      `  summaries (Studies table):       ${summaries.entities} entities, ${summaries.bytes} bytes; per study ${per(summaries)}`,
    );

    const uid = `2.25.${Date.now()}`;
    const ct = {
      uid: `${uid}.1`,
      number: 1,
      modality: 'CT',
      manufacturer: 'M',
      model: LONG('Model '),
      description: LONG('Series '),
      instances: 1,
    } as const;
    await seedDirect(oneStudyDataset(seed, wideStudy(0, uid, [ct])), () => undefined);
    const wide = await indexTally(studyFilter(uid));
    console.log(`wide study (64-character values), 1 instance: ${wide.entities} index entities, ${wide.bytes} bytes`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const since = new Date().toISOString();
    const mr = { ...ct, uid: `${uid}.2`, number: 2, modality: 'MR' } as const;
    await seedDirect(oneStudyDataset(seed, wideStudy(0, uid, [{ ...ct, instances: 0 }, mr])), () => undefined);
    const after = await indexTally(studyFilter(uid));
    const rewritten = await indexTally(studyFilter(uid), since);
    console.log(
      `  + 1 instance in a new MR series: ${after.entities} index entities, ${after.bytes} bytes; ` +
        `entries written by that refresh: ${rewritten.entities} (${rewritten.bytes} bytes)`,
    );
    const wideSummary = await tallyTable('Studies', `PartitionKey eq '${uid}'`);
    console.log(`  its summaries: ${wideSummary.entities} entities, ${wideSummary.bytes} bytes`);
    console.log(
      JSON.stringify({
        bench: 'searchIndexSize',
        instances: dataset.instances,
        studies: n,
        index,
        summaries,
        seedSeconds: seconds,
        wide,
        wideAfterNewSeries: after,
        wideWrittenByNewSeries: rewritten,
        wideSummary,
      }),
    );
  } finally {
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
