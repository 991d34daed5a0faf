/**
 * The QIDO-RS query shapes the search benchmark times. Each shape draws a concrete value from the loaded part
 * of the dataset on every repetition (so every query has matches and no two repetitions need be alike), and
 * knows how many results a correct server returns, to catch wrong answers as well as slow ones.
 *
 * Paths are relative to the DICOMweb root (`…/v2` for ours, `…/dicom-web` for Orthanc).
 * Orthanc's DICOMweb plugin returns every match unless told otherwise, so its list queries carry the
 * `limit` our server applies by default (100); it has no fuzzy matching, so that shape becomes a prefix query.
 */
import type { Rng, StudyPlan } from './searchDataset';

/** Our server's page size when a query has no `limit`. */
export const DEFAULT_LIMIT = 100;

export interface ConcreteQuery {
  readonly path: string;
  /** Results a correct server returns; null when it cannot be known. */
  readonly expected: number | null;
}

export type Target = 'ours' | 'orthanc';

export interface QueryShape {
  readonly name: string;
  readonly title: string;
  /** What Orthanc is asked instead, when it differs in meaning (not just in the added limit). */
  readonly orthancNote?: string;
  draw(target: Target, studies: readonly StudyPlan[], rng: Rng): ConcreteQuery;
}

const q = encodeURIComponent;

/** What a client asking for `limit` results of `matches` gets back. */
const page = (matches: number, limit = DEFAULT_LIMIT): number => Math.min(matches, limit);

/** The explicit limit Orthanc needs to return the page our server returns by default. */
const orthancLimit = (target: Target): string => (target === 'orthanc' ? `&limit=${DEFAULT_LIMIT}` : '');

function count<T>(items: readonly T[], test: (item: T) => boolean): number {
  let n = 0;
  for (const item of items) if (test(item)) n += 1;
  return n;
}

/** Name parts for fuzzy matching: the PN components and the words inside them. */
function nameWords(name: string): string[] {
  return name
    .toUpperCase()
    .split(/[\^ ]+/)
    .filter((word) => word !== '');
}

export const QUERY_SHAPES: readonly QueryShape[] = [
  {
    name: 'patientId',
    title: 'PatientID exact',
    draw(_target, studies, rng) {
      const id = rng.pick(studies).patient.id;
      return { path: `/studies?PatientID=${q(id)}`, expected: count(studies, (s) => s.patient.id === id) };
    },
  },
  {
    name: 'accession',
    title: 'AccessionNumber exact',
    draw(_target, studies, rng) {
      const accession = rng.pick(studies).accessionNumber;
      return {
        path: `/studies?AccessionNumber=${q(accession)}`,
        expected: count(studies, (s) => s.accessionNumber === accession),
      };
    },
  },
  {
    name: 'nameFuzzy',
    title: 'PatientName fuzzy prefix',
    orthancNote: 'Orthanc has no fuzzy matching: PatientName=SMI* (family-name prefix) instead',
    draw(target, studies, rng) {
      const prefix = rng.pick(studies).patient.family.slice(0, 3);
      if (target === 'orthanc') {
        return {
          path: `/studies?PatientName=${q(`${prefix}*`)}${orthancLimit(target)}`,
          expected: page(count(studies, (s) => s.patient.name.startsWith(prefix))),
        };
      }
      return {
        path: `/studies?PatientName=${q(prefix.toLowerCase())}&fuzzymatching=true`,
        expected: page(count(studies, (s) => nameWords(s.patient.name).some((word) => word.startsWith(prefix)))),
      };
    },
  },
  {
    name: 'nameInfix',
    title: 'PatientName *infix* (leading wildcard)',
    draw(target, studies, rng) {
      const family = rng.pick(studies).patient.family;
      const infix = family.length >= 4 ? family.slice(1, 4) : family.slice(0, 3);
      return {
        path: `/studies?PatientName=${q(`*${infix.toLowerCase()}*`)}${orthancLimit(target)}`,
        expected: page(count(studies, (s) => s.patient.name.toUpperCase().includes(infix))),
      };
    },
  },
  {
    name: 'dateYear',
    title: 'StudyDate one-year range',
    draw(target, studies, rng) {
      const year = rng.pick(studies).date.slice(0, 4);
      return {
        path: `/studies?StudyDate=${year}0101-${year}1231${orthancLimit(target)}`,
        expected: page(count(studies, (s) => s.date.startsWith(year))),
      };
    },
  },
  {
    name: 'modality',
    title: 'Modality, series level',
    draw(target, studies, rng) {
      const modality = rng.pick(rng.pick(studies).series).modality;
      let matches = 0;
      for (const study of studies) matches += count(study.series, (series) => series.modality === modality);
      return { path: `/series?Modality=${modality}${orthancLimit(target)}`, expected: page(matches) };
    },
  },
  {
    name: 'nameInfixCounts',
    title: 'PatientName *infix*, with counts',
    draw(target, studies, rng) {
      const family = rng.pick(studies).patient.family;
      const infix = family.length >= 4 ? family.slice(1, 4) : family.slice(0, 3);
      return {
        path: `/studies?PatientName=${q(`*${infix.toLowerCase()}*`)}&includefield=NumberOfStudyRelatedInstances${orthancLimit(target)}`,
        expected: page(count(studies, (s) => s.patient.name.toUpperCase().includes(infix))),
      };
    },
  },
  {
    name: 'modalityCounts',
    title: 'Modality, series level, with counts',
    draw(target, studies, rng) {
      const modality = rng.pick(rng.pick(studies).series).modality;
      let matches = 0;
      for (const study of studies) matches += count(study.series, (series) => series.modality === modality);
      return {
        path: `/series?Modality=${modality}&includefield=NumberOfSeriesRelatedInstances${orthancLimit(target)}`,
        expected: page(matches),
      };
    },
  },
  {
    name: 'studyInstances',
    title: "one study's instances",
    draw(_target, studies, rng) {
      const study = rng.pick(studies);
      return { path: `/studies/${study.uid}/instances`, expected: study.instances };
    },
  },
  {
    name: 'studySeries',
    title: "one study's series",
    draw(_target, studies, rng) {
      const study = rng.pick(studies);
      return { path: `/studies/${study.uid}/series`, expected: study.series.length };
    },
  },
  {
    name: 'noMatch',
    title: 'PatientID with no match (204)',
    draw(_target, _studies, rng) {
      return { path: `/studies?PatientID=NOSUCH${rng.int(1_000_000, 9_999_999)}`, expected: 0 };
    },
  },
  {
    name: 'includeAll',
    title: 'includefield=all, limit 200',
    draw(_target, studies) {
      return { path: '/studies?includefield=all&limit=200', expected: page(studies.length, 200) };
    },
  },
];
