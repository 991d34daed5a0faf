/**
 * `npm run bench:workitems`: what worklist searches read from Table Storage as the worklist grows.
 * Seeds N workitems into an in-memory Azurite through the production write path
 * (shared/workitems/workitemWrites.ts: index entries and entity, as a create and the state
 * changes leave them), serves the app on the local Functions host with DICOM_SEARCH_COST_HEADER,
 * and runs each worklist query over HTTP, reporting results, table requests and entities read.
 *
 *   npm run bench:workitems -- [--workitems 100000] [--concurrency 48] [--http-creates 500] [--seed 1]
 *
 * Seeding skips HTTP (a create over HTTP costs the same table writes plus the request); the first
 * --http-creates workitems are created over HTTP to report that path's rate too.
 */
import { parseArgs } from 'node:util';
import { startAzurite } from '../host/azurite';
import { startFunctionsHost } from '../host/functionsHost/functionsHost';
import { consoleLogger } from '../host/functionsHost/hostLog';
import path from 'node:path';
import { resetConfig } from '../shared/config';
import type { DicomJsonDataset } from '../shared/dicom/dicomJson';
import { UpsTag as T } from '../shared/dicom/upsTags';
import { resetClients } from '../shared/storage/clients';
import { ensureStorage } from '../shared/storage/provision';
import { WORKLIST_LABEL } from '../shared/workitems/createWorkitem';
import type { ProcedureStepState } from '../shared/workitems/procedureStepState';
import { createWorkitem } from '../shared/workitems/workitemWrites';
import { seededRandom } from '../test/support/seededRandom';
import { workitemDataset } from '../test/workitems/workitemClient';
import { numberAtLeast } from './cliArgs';

const DAYS = 100;
const PATIENTS_PER_WORKITEM = 0.2;
const STATIONS = 40;
const NAMES = ['SMITH', 'JONES', 'MULLER', 'GARCIA', 'NGUYEN', 'KIM', 'SATO', 'ROSSI', 'DUBOIS', 'COHEN'];
const GIVEN = ['ANNA', 'JOHN', 'MARIA', 'ALI', 'WEI', 'SARA', 'IVAN', 'LENA'];

interface Args {
  readonly workitems: number;
  readonly concurrency: number;
  readonly httpCreates: number;
  readonly seed: number;
}

function parse(): Args {
  const { values } = parseArgs({
    options: {
      workitems: { type: 'string', default: '100000' },
      concurrency: { type: 'string', default: '48' },
      'http-creates': { type: 'string', default: '500' },
      seed: { type: 'string', default: '1' },
    },
  });
  return {
    workitems: Math.floor(numberAtLeast('workitems', values.workitems, 1)),
    concurrency: Math.floor(numberAtLeast('concurrency', values.concurrency, 1)),
    httpCreates: Math.floor(numberAtLeast('http-creates', values['http-creates'], 0)),
    seed: Math.floor(numberAtLeast('seed', values.seed, 0)),
  };
}

/** 70 % SCHEDULED, 10 % IN PROGRESS, 15 % COMPLETED, 5 % CANCELED: a worklist some weeks into use. */
function stateOf(r: number): ProcedureStepState {
  if (r < 0.7) return 'SCHEDULED';
  if (r < 0.8) return 'IN PROGRESS';
  if (r < 0.95) return 'COMPLETED';
  return 'CANCELED';
}

interface Generated {
  readonly uid: string;
  readonly state: ProcedureStepState;
  readonly dataset: DicomJsonDataset;
}

function generator(args: Args): (i: number) => Generated {
  const next = seededRandom(args.seed);
  const patients = Math.max(1, Math.floor(args.workitems * PATIENTS_PER_WORKITEM));
  const pick = <V>(list: readonly V[]) => list[Math.floor(next() * list.length)] as V;
  return (i) => {
    const day = new Date(Date.UTC(2026, 0, 1) + Math.floor(next() * DAYS) * 86_400_000);
    const hour = String(Math.floor(next() * 24)).padStart(2, '0');
    const start = `${day.toISOString().slice(0, 10).replace(/-/g, '')}${hour}${String(Math.floor(next() * 60)).padStart(2, '0')}00`;
    const patient = Math.floor(next() * patients);
    const dataset = workitemDataset({
      uid: `2.25.${args.seed}.${i}`,
      patientId: `P${patient}`,
      patientName: `${pick(NAMES)}^${pick(GIVEN)}`,
      start,
      station: `ST${Math.floor(next() * STATIONS)}`,
      accession: `A${i}`,
    });
    const state = stateOf(next());
    delete dataset[T.TransactionUID];
    dataset[T.ProcedureStepState] = { vr: 'CS', Value: [state] };
    dataset[T.WorklistLabel] = { vr: 'LO', Value: [WORKLIST_LABEL] };
    return { uid: `2.25.${args.seed}.${i}`, state, dataset };
  };
}

const QUERIES: readonly [string, string][] = [
  ['state IN PROGRESS (10 %), first page', 'ProcedureStepState=IN%20PROGRESS'],
  ['state CANCELED (5 %), limit 20', 'ProcedureStepState=CANCELED&limit=20'],
  ['SCHEDULED, one day', 'ProcedureStepState=SCHEDULED&ScheduledProcedureStepStartDateTime=20260215-20260215'],
  [
    'SCHEDULED, one hour',
    'ProcedureStepState=SCHEDULED&ScheduledProcedureStepStartDateTime=20260215100000-20260215105959',
  ],
  [
    'SCHEDULED, one day, page 3',
    'ProcedureStepState=SCHEDULED&ScheduledProcedureStepStartDateTime=20260215-20260215&offset=200',
  ],
  ['any state, one day', 'ScheduledProcedureStepStartDateTime=20260301-20260301'],
  ['SCHEDULED, a day with none', 'ProcedureStepState=SCHEDULED&ScheduledProcedureStepStartDateTime=20270101-20270101'],
  ['PatientID exact', 'PatientID=P42'],
  ['PatientName exact', 'PatientName=SATO%5EWEI&limit=200'],
  ['PatientName fuzzy', 'PatientName=sat&fuzzymatching=true&limit=50'],
  ['station + SCHEDULED', 'ScheduledStationNameCodeSequence.CodeValue=ST7&ProcedureStepState=SCHEDULED'],
  ['accession', 'ReferencedRequestSequence.AccessionNumber=A777'],
  ['label, first page', 'WorklistLabel=worklist'],
];

async function seed(args: Args, make: (i: number) => Generated, from: number): Promise<number> {
  const started = performance.now();
  let nextIndex = from;
  let done = 0;
  let lastPrint = started;
  const worker = async () => {
    while (nextIndex < args.workitems) {
      const i = nextIndex++;
      const { uid, state, dataset } = make(i);
      await createWorkitem({ uid, state, transactionUid: state === 'SCHEDULED' ? undefined : `2.25.9.${i}`, dataset });
      done++;
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        console.log(`   seeded ${(from + done).toLocaleString('en-US')}`);
      }
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const args = parse();
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  Object.assign(process.env, {
    DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
    DICOM_SEARCH_COST_HEADER: 'true',
    AUTH_ENABLED: 'false',
  });
  resetConfig();
  resetClients();
  const host = await startFunctionsHost({
    appDirectory: path.resolve(__dirname, '..', '..'),
    entryPoint: path.resolve(__dirname, '..', 'index.js'),
    log: consoleLogger('warning'),
  });
  try {
    await ensureStorage();
    const { url } = await host.http.listen(0, '127.0.0.1');
    const base = `${url}/v2/workitems`;
    const make = generator(args);
    // Over HTTP first (created SCHEDULED, as every create is).
    const httpCount = Math.min(args.httpCreates, args.workitems);
    const httpStarted = performance.now();
    for (let i = 0; i < httpCount; i++) {
      const { uid, dataset } = make(i);
      const body = { ...dataset, [T.TransactionUID]: { vr: 'UI' } };
      const response = await fetch(`${base}?${uid}`, {
        method: 'POST',
        headers: { Accept: 'application/dicom+json', 'Content-Type': 'application/dicom+json' },
        body: JSON.stringify([body]),
      });
      if (response.status !== 201)
        throw new Error(`create over HTTP answered ${response.status}: ${await response.text()}`);
    }
    const httpSeconds = (performance.now() - httpStarted) / 1000;
    console.log(`== ${args.workitems.toLocaleString('en-US')} workitems (seed ${args.seed})`);
    if (httpCount > 0) {
      console.log(`   ${httpCount} created over HTTP one at a time: ${(httpCount / httpSeconds).toFixed(0)}/s`);
    }
    const seconds = await seed(args, make, httpCount);
    const seeded = args.workitems - httpCount;
    console.log(
      `   ${seeded.toLocaleString('en-US')} seeded directly in ${seconds.toFixed(0)} s (${(seeded / seconds).toFixed(0)}/s)`,
    );
    console.log('\n| Query | Results | Requests | Entities read | Entities per result | ms |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [title, query] of QUERIES) {
      const started = performance.now();
      const response = await fetch(`${base}?${query}`, { headers: { Accept: 'application/dicom+json' } });
      const text = await response.text();
      const ms = performance.now() - started;
      const results = response.status === 200 ? (JSON.parse(text) as unknown[]).length : 0;
      const cost = /requests=(\d+); entities=(\d+)/.exec(response.headers.get('x-search-cost') ?? '');
      const requests = Number(cost?.[1] ?? NaN);
      const entities = Number(cost?.[2] ?? NaN);
      const perResult = results > 0 ? (entities / results).toFixed(2) : '–';
      console.log(
        `| ${title} (\`${query}\`) | ${results} | ${requests} | ${entities} | ${perResult} | ${ms.toFixed(0)} |`,
      );
    }
  } finally {
    await host.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
