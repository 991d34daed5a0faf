/**
 * The search benchmark's dataset: a deterministic set of small studies (seeded PRNG, no Math.random),
 * about ten instances each in two or three series, with realistic patient, study and series attributes.
 *
 * Only the plan (attributes and counts) is kept in memory; each study's DICOM files are built when the
 * study is sent (`studyRequestBody`), so loading 100,000 instances needs a few tens of megabytes.
 * Generation is sequential from one seed, so the dataset of N instances is a prefix of any larger one.
 */
import { createHash } from 'node:crypto';
import { makeDicom, type ElementSpec } from '../test/support/dicomFactory';
import type { RequestBody } from './stowInstances';
import { seededRandom } from '../test/support/seededRandom';

/** The benchmark datasets' PRNG (test/support/seededRandom.ts), with helpers. */
export class Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** An item drawn with probability proportional to its weight. */
  weighted<T>(choices: WeightedChoices<T>): T {
    let draw = this.next() * choices.total;
    for (const [item, weight] of choices.items) {
      draw -= weight;
      if (draw < 0) return item;
    }
    const last = choices.items[choices.items.length - 1];
    if (last === undefined) throw new Error('weighted pick from an empty list');
    return last[0];
  }
}

export interface WeightedChoices<T> {
  readonly items: readonly (readonly [T, number])[];
  readonly total: number;
}

export function weights<T>(items: readonly (readonly [T, number])[]): WeightedChoices<T> {
  return { items, total: items.reduce((sum, [, weight]) => sum + weight, 0) };
}

/** A seed for an independent stream, derived from a base seed and labels (e.g. a query shape's name). */
export function deriveSeed(seed: number, ...labels: readonly (string | number)[]): number {
  return createHash('sha256')
    .update(`${seed}|${labels.join('|')}`)
    .digest()
    .readUInt32LE(0);
}

// 200 family names (the most common in the 2010 US census), in order: drawn with a Zipf-like skew.
export const FAMILY_NAMES: readonly string[] = (
  'SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS RODRIGUEZ MARTINEZ HERNANDEZ LOPEZ GONZALEZ WILSON ' +
  'ANDERSON THOMAS TAYLOR MOORE JACKSON MARTIN LEE PEREZ THOMPSON WHITE HARRIS SANCHEZ CLARK RAMIREZ LEWIS ' +
  'ROBINSON WALKER YOUNG ALLEN KING WRIGHT SCOTT TORRES NGUYEN HILL FLORES GREEN ADAMS NELSON BAKER HALL RIVERA ' +
  'CAMPBELL MITCHELL CARTER ROBERTS GOMEZ PHILLIPS EVANS TURNER DIAZ PARKER CRUZ EDWARDS COLLINS REYES STEWART ' +
  'MORRIS MORALES MURPHY COOK ROGERS GUTIERREZ ORTIZ MORGAN COOPER PETERSON BAILEY REED KELLY HOWARD RAMOS KIM ' +
  'COX WARD RICHARDSON WATSON BROOKS CHAVEZ WOOD JAMES BENNETT GRAY MENDOZA RUIZ HUGHES PRICE ALVAREZ CASTILLO ' +
  'SANDERS PATEL MYERS LONG ROSS FOSTER JIMENEZ POWELL JENKINS PERRY RUSSELL SULLIVAN BELL COLEMAN BUTLER ' +
  'HENDERSON BARNES GONZALES FISHER VASQUEZ SIMMONS ROMERO JORDAN PATTERSON ALEXANDER HAMILTON GRAHAM REYNOLDS ' +
  'GRIFFIN WALLACE MORENO WEST COLE HAYES BRYANT HERRERA GIBSON ELLIS TRAN MEDINA AGUILAR STEVENS MURRAY FORD ' +
  'CASTRO MARSHALL OWENS HARRISON FERNANDEZ MCDONALD WOODS WASHINGTON KENNEDY WELLS VARGAS HENRY CHEN FREEMAN ' +
  'WEBB TUCKER GUZMAN BURNS CRAWFORD OLSON SIMPSON PORTER HUNTER GORDON MENDEZ SILVA SHAW SNYDER MASON DIXON ' +
  'MUNOZ HUNT HICKS HOLMES PALMER WAGNER BLACK ROBERTSON BOYD ROSE STONE SALAZAR FOX WARREN MILLS MEYER RICE ' +
  'SCHMIDT GARZA DANIELS FERGUSON NICHOLS STEPHENS SOTO WEAVER RYAN GARDNER PAYNE GRANT DUNN'
).split(' ');

const MALE_GIVEN_NAMES: readonly string[] = (
  'JAMES ROBERT JOHN MICHAEL DAVID WILLIAM RICHARD JOSEPH THOMAS CHARLES CHRISTOPHER DANIEL MATTHEW ANTHONY ' +
  'MARK DONALD STEVEN PAUL ANDREW JOSHUA KENNETH KEVIN BRIAN GEORGE TIMOTHY RONALD EDWARD JASON JEFFREY RYAN ' +
  'JACOB GARY NICHOLAS ERIC JONATHAN STEPHEN LARRY JUSTIN SCOTT BRANDON BENJAMIN SAMUEL GREGORY ALEXANDER ' +
  'FRANK PATRICK RAYMOND JACK DENNIS JERRY'
).split(' ');

const FEMALE_GIVEN_NAMES: readonly string[] = (
  'MARY PATRICIA JENNIFER LINDA ELIZABETH BARBARA SUSAN JESSICA SARAH KAREN LISA NANCY BETTY MARGARET SANDRA ' +
  'ASHLEY KIMBERLY EMILY DONNA MICHELLE CAROL AMANDA DOROTHY MELISSA DEBORAH STEPHANIE REBECCA SHARON LAURA ' +
  'CYNTHIA KATHLEEN AMY ANGELA SHIRLEY ANNA BRENDA PAMELA EMMA NICOLE HELEN SAMANTHA KATHERINE CHRISTINE ' +
  'DEBRA RACHEL CAROLYN JANET CATHERINE MARIA HEATHER'
).split(' ');

const FAMILY_WEIGHTS = weights(FAMILY_NAMES.map((name, rank) => [name, 1 / (rank + 10)] as const));

export type Modality = 'CT' | 'MR' | 'US' | 'CR' | 'DX' | 'MG' | 'PT';

/** Study modality mix of a general hospital: CT and MR and plain radiography lead, PET is rare. */
const MODALITY_WEIGHTS = weights<Modality>([
  ['CT', 30],
  ['MR', 20],
  ['CR', 17],
  ['DX', 13],
  ['US', 10],
  ['MG', 6],
  ['PT', 4],
]);

export const MODALITIES: readonly Modality[] = MODALITY_WEIGHTS.items.map(([modality]) => modality);

interface ModalityProfile {
  readonly sopClassUid: string;
  readonly studyDescriptions: readonly string[];
  readonly seriesDescriptions: readonly string[];
  /** [manufacturer, model] */
  readonly scanners: readonly (readonly [string, string])[];
}

const PROFILES: Readonly<Record<Modality, ModalityProfile>> = {
  CT: {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    studyDescriptions: [
      'CT HEAD W/O CONTRAST',
      'CT CHEST W CONTRAST',
      'CT CHEST W/O CONTRAST',
      'CT ABDOMEN PELVIS W CONTRAST',
      'CT ANGIO CHEST PE PROTOCOL',
      'CT CERVICAL SPINE W/O CONTRAST',
      'CT SINUS W/O CONTRAST',
    ],
    seriesDescriptions: ['AXIAL 5MM', 'AXIAL 1.25MM', 'CORONAL MPR', 'SAGITTAL MPR', 'SCOUT'],
    scanners: [
      ['SIEMENS', 'SOMATOM Definition AS'],
      ['GE MEDICAL SYSTEMS', 'Revolution CT'],
      ['TOSHIBA', 'Aquilion ONE'],
      ['Philips', 'Brilliance 64'],
    ],
  },
  MR: {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.4',
    studyDescriptions: [
      'MRI BRAIN W/WO CONTRAST',
      'MRI LUMBAR SPINE W/O CONTRAST',
      'MRI KNEE RIGHT W/O CONTRAST',
      'MRI SHOULDER LEFT W/O CONTRAST',
      'MRI ABDOMEN W/WO CONTRAST',
      'MRI PROSTATE MULTIPARAMETRIC',
    ],
    seriesDescriptions: ['T1 SAG', 'T2 AX', 'FLAIR AX', 'DWI', 'T1 POST GAD AX', 'LOCALIZER'],
    scanners: [
      ['SIEMENS', 'MAGNETOM Skyra'],
      ['GE MEDICAL SYSTEMS', 'SIGNA Premier'],
      ['Philips', 'Ingenia'],
      ['Canon Medical Systems', 'Vantage Orian'],
    ],
  },
  US: {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.6.1',
    studyDescriptions: ['US ABDOMEN COMPLETE', 'US PELVIS TRANSVAGINAL', 'US THYROID', 'US RENAL', 'US OB >14 WEEKS'],
    seriesDescriptions: ['B-MODE', 'DOPPLER', 'CINE'],
    scanners: [
      ['GE Healthcare', 'LOGIQ E10'],
      ['Philips', 'EPIQ 7'],
      ['SIEMENS', 'ACUSON Sequoia'],
    ],
  },
  CR: {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1',
    studyDescriptions: ['XR CHEST 2 VIEWS', 'XR CHEST 1 VIEW', 'XR ABDOMEN 1 VIEW', 'XR HAND 3 VIEWS LEFT'],
    seriesDescriptions: ['PA', 'LATERAL', 'AP'],
    scanners: [
      ['FUJIFILM Corporation', 'FCR PROFECT CS'],
      ['Agfa', 'CR 85-X'],
    ],
  },
  DX: {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
    studyDescriptions: [
      'XR KNEE 3 VIEWS RIGHT',
      'XR ANKLE 3 VIEWS LEFT',
      'XR LUMBAR SPINE 2 VIEWS',
      'XR PELVIS 1 VIEW',
    ],
    seriesDescriptions: ['AP', 'LATERAL', 'OBLIQUE'],
    scanners: [
      ['Carestream Health', 'DRX-Evolution'],
      ['SIEMENS', 'Ysio Max'],
      ['Philips', 'DigitalDiagnost'],
    ],
  },
  MG: {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.2',
    studyDescriptions: ['MAMMO SCREENING BILATERAL', 'MAMMO DIAGNOSTIC LEFT', 'MAMMO DIAGNOSTIC RIGHT'],
    seriesDescriptions: ['L CC', 'L MLO', 'R CC', 'R MLO'],
    scanners: [
      ['HOLOGIC, Inc.', 'Selenia Dimensions'],
      ['SIEMENS', 'MAMMOMAT Revelation'],
      ['GE Healthcare', 'Senographe Pristina'],
    ],
  },
  PT: {
    sopClassUid: '1.2.840.10008.5.1.4.1.1.128',
    studyDescriptions: ['PET/CT WHOLE BODY FDG', 'PET/CT SKULL BASE TO THIGH'],
    seriesDescriptions: ['PET WB AC', 'PET WB NAC', 'MIP'],
    scanners: [
      ['SIEMENS', 'Biograph mCT'],
      ['GE MEDICAL SYSTEMS', 'Discovery MI'],
    ],
  },
};

export interface PatientPlan {
  /** FAMILY^GIVEN */
  readonly name: string;
  readonly family: string;
  readonly given: string;
  readonly id: string;
  readonly birthDate: string;
  readonly sex: 'M' | 'F';
}

export interface SeriesPlan {
  readonly uid: string;
  readonly number: number;
  readonly modality: Modality;
  readonly manufacturer: string;
  readonly model: string;
  readonly description: string;
  readonly instances: number;
}

export interface StudyPlan {
  readonly index: number;
  readonly uid: string;
  readonly patient: PatientPlan;
  readonly accessionNumber: string;
  /** YYYYMMDD */
  readonly date: string;
  /** HHMMSS */
  readonly time: string;
  readonly description: string;
  readonly referringPhysician: string;
  readonly series: readonly SeriesPlan[];
  readonly instances: number;
}

export interface Dataset {
  readonly seed: number;
  readonly studies: readonly StudyPlan[];
  readonly instances: number;
  readonly series: number;
  readonly patients: number;
}

const FIRST_STUDY_DAY = Date.UTC(2015, 0, 1) / 86_400_000;
const LAST_STUDY_DAY = Date.UTC(2024, 11, 31) / 86_400_000;
const FIRST_BIRTH_DAY = Date.UTC(1930, 0, 1) / 86_400_000;
const LAST_BIRTH_DAY = Date.UTC(2014, 11, 31) / 86_400_000;

function dicomDate(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * A deterministic UID under the 2.25 root: the decimal of 128 bits of a hash of the seed and the labels.
 * Unique in practice (a collision needs a 128-bit hash collision), and the same on every run.
 */
export function datasetUid(seed: number, ...labels: readonly (string | number)[]): string {
  const hex = createHash('sha256')
    .update(`${seed}|${labels.join('|')}`)
    .digest('hex')
    .slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

/** PID + 7 digits, distinct for every patient index below 10^7 (7919 is prime to 10^7). */
function patientId(index: number): string {
  return `PID${String((index * 7919 + 1234) % 10_000_000).padStart(7, '0')}`;
}

/** ACC + 8 digits, distinct for every study index below 10^8 (104729 is prime to 10^8). */
function accessionNumber(index: number): string {
  return `ACC${String((index * 104_729 + 4242) % 100_000_000).padStart(8, '0')}`;
}

/** About `instances` instances (exactly that many), about ten per study. */
export function generateDataset(instances: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const physicians = Array.from({ length: 40 }, () => {
    const family = rng.pick(FAMILY_NAMES);
    return `${family}^${rng.pick(rng.next() < 0.5 ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES)}`;
  });
  const studies: StudyPlan[] = [];
  let planned = 0;
  let series = 0;
  let patients = 0;
  while (planned < instances) {
    const sex = rng.next() < 0.5 ? 'M' : 'F';
    const family = rng.weighted(FAMILY_WEIGHTS);
    const given = rng.pick(sex === 'M' ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES);
    const patient: PatientPlan = {
      name: `${family}^${given}`,
      family,
      given,
      id: patientId(patients),
      birthDate: dicomDate(rng.int(FIRST_BIRTH_DAY, LAST_BIRTH_DAY)),
      sex,
    };
    patients += 1;
    const studiesOfPatient = rng.weighted(
      weights([
        [1, 60],
        [2, 28],
        [3, 12],
      ]),
    );
    for (let s = 0; s < studiesOfPatient && planned < instances; s += 1) {
      const study = planStudy(rng, seed, studies.length, patient, physicians, instances - planned);
      studies.push(study);
      planned += study.instances;
      series += study.series.length;
    }
  }
  return { seed, studies, instances: planned, series, patients };
}

function planStudy(
  rng: Rng,
  seed: number,
  index: number,
  patient: PatientPlan,
  physicians: readonly string[],
  remaining: number,
): StudyPlan {
  const modality = rng.weighted(MODALITY_WEIGHTS);
  const profile = PROFILES[modality];
  const day = rng.int(FIRST_STUDY_DAY, LAST_STUDY_DAY);
  const hour = rng.int(7, 19);
  const time = `${String(hour).padStart(2, '0')}${String(rng.int(0, 59)).padStart(2, '0')}${String(rng.int(0, 59)).padStart(2, '0')}`;
  const seriesCount = rng.next() < 0.5 ? 2 : 3;
  // 6..14 instances, mean 10, never more than what is left of the requested total.
  const total = Math.max(1, Math.min(remaining, rng.int(6, 14)));
  const counts = splitInstances(rng, total, Math.min(seriesCount, total));
  const [manufacturer, model] = rng.pick(profile.scanners);
  const studyUid = datasetUid(seed, 'study', index);
  const series: SeriesPlan[] = counts.map((count, s) => {
    // PET studies come with a low-dose CT series from the same PET/CT scanner.
    const seriesModality: Modality = modality === 'PT' && s === 1 ? 'CT' : modality;
    return {
      uid: datasetUid(seed, 'series', index, s),
      number: s + 1,
      modality: seriesModality,
      manufacturer,
      model,
      description: seriesModality === modality ? rng.pick(profile.seriesDescriptions) : 'CT AC LOW DOSE',
      instances: count,
    };
  });
  return {
    index,
    uid: studyUid,
    patient,
    accessionNumber: accessionNumber(index),
    date: dicomDate(day),
    time,
    description: rng.pick(profile.studyDescriptions),
    referringPhysician: rng.pick(physicians),
    series,
    instances: total,
  };
}

/** `total` instances over `parts` series, each at least one. */
function splitInstances(rng: Rng, total: number, parts: number): number[] {
  const counts = Array.from({ length: parts }, () => 1);
  for (let left = total - parts; left > 0; left -= 1) {
    const at = rng.int(0, parts - 1);
    counts[at] = (counts[at] ?? 0) + 1;
  }
  return counts;
}

/** The SOP Instance UID of one instance of the plan. */
export function instanceUid(seed: number, study: StudyPlan, series: number, instance: number): string {
  return datasetUid(seed, 'instance', study.index, series, instance);
}

/** The study's DICOM files, built now (a few kilobytes each, no pixel data). */
export function studyFiles(seed: number, study: StudyPlan): Buffer[] {
  const files: Buffer[] = [];
  const studyElements: ElementSpec[] = [
    { tag: '00080005', vr: 'CS', value: 'ISO_IR 100' },
    { tag: '00080030', vr: 'TM', value: study.time },
    { tag: '00080050', vr: 'SH', value: study.accessionNumber },
    { tag: '00080090', vr: 'PN', value: study.referringPhysician },
    { tag: '00081030', vr: 'LO', value: study.description },
    { tag: '00100030', vr: 'DA', value: study.patient.birthDate },
    { tag: '00100040', vr: 'CS', value: study.patient.sex },
    { tag: '00200010', vr: 'SH', value: String(1000 + study.index) },
  ];
  study.series.forEach((series, s) => {
    const profile = PROFILES[series.modality];
    const seriesElements: ElementSpec[] = [
      { tag: '00080021', vr: 'DA', value: study.date },
      { tag: '00080070', vr: 'LO', value: series.manufacturer },
      { tag: '0008103E', vr: 'LO', value: series.description },
      { tag: '00081090', vr: 'LO', value: series.model },
      { tag: '00200011', vr: 'IS', value: String(series.number) },
      { tag: '00400244', vr: 'DA', value: study.date },
      { tag: '00400245', vr: 'TM', value: study.time },
    ];
    for (let i = 0; i < series.instances; i += 1) {
      files.push(
        makeDicom({
          studyInstanceUid: study.uid,
          seriesInstanceUid: series.uid,
          sopInstanceUid: instanceUid(seed, study, s, i),
          sopClassUid: profile.sopClassUid,
          patientId: study.patient.id,
          patientName: study.patient.name,
          studyDate: study.date,
          modality: series.modality,
          elements: [...studyElements, ...seriesElements, { tag: '00200013', vr: 'IS', value: String(i + 1) }],
        }),
      );
    }
  });
  return files;
}

/** A fixed boundary: the files are short text attributes and UIDs, which cannot contain it. */
export const SEARCH_BENCH_BOUNDARY = 'dicomweb-search-bench-0f3a9c5e7b1d';
export const SEARCH_STOW_CONTENT_TYPE = `multipart/related; type="application/dicom"; boundary=${SEARCH_BENCH_BOUNDARY}`;
const PART_HEAD = Buffer.from(`--${SEARCH_BENCH_BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1');
const PART_END = Buffer.from('\r\n', 'latin1');
const CLOSE_DELIMITER = Buffer.from(`--${SEARCH_BENCH_BOUNDARY}--\r\n`, 'latin1');

/** One STOW-RS request body holding every instance of the study. */
export function studyRequestBody(seed: number, study: StudyPlan): RequestBody {
  const chunks: Buffer[] = [];
  for (const file of studyFiles(seed, study)) chunks.push(PART_HEAD, file, PART_END);
  chunks.push(CLOSE_DELIMITER);
  return { chunks, length: chunks.reduce((sum, chunk) => sum + chunk.length, 0) };
}
