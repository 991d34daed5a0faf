/** Helpers of the QIDO-RS integration tests: storing generated studies and reading search answers. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom, newUid, type ElementSpec, type InstanceSpec } from '../support/dicomFactory';
import { rawGet, readReply, type Reply } from '../support/httpReply';
import { stowFiles } from '../support/stowClient';

export const DICOM_JSON = 'application/dicom+json';
/** What OHIF's study list sends. */
export const OHIF_ACCEPT = 'application/dicom+json, application/json;q=0.9, */*;q=0.8';

/** Tags the search tests name: the production constants. */
export const T = Tag;

export type SearchReply = Reply<DicomJsonDataset[]>;

/** A short random token, to keep each test's values apart from the others' in one store. */
export function token(): string {
  return randomBytes(4).toString('hex').toUpperCase();
}

/** GET a search URL (path and query, relative to the base URL) with `Accept: application/dicom+json`. */
export async function search(
  baseUrl: string,
  pathAndQuery: string,
  headers: Record<string, string> = { Accept: DICOM_JSON },
): Promise<SearchReply> {
  const response = await fetch(`${baseUrl}${pathAndQuery}`, { headers });
  return readReply<DicomJsonDataset[]>(response);
}

/** The results of a search that must answer 200 with a DICOM JSON array. */
export async function results(
  baseUrl: string,
  pathAndQuery: string,
  headers?: Record<string, string>,
): Promise<DicomJsonDataset[]> {
  return jsonArrayOf(await search(baseUrl, pathAndQuery, headers), pathAndQuery);
}

/** The body of a 200 answer, which must be a DICOM JSON array. */
function jsonArrayOf(reply: SearchReply, pathAndQuery: string): DicomJsonDataset[] {
  assert.equal(reply.status, 200, `${pathAndQuery}: ${reply.text}`);
  assert.equal(reply.headers.get('content-type'), DICOM_JSON, pathAndQuery);
  assert.ok(Array.isArray(reply.json), `${pathAndQuery}: not a JSON array`);
  return reply.json;
}

/** Results of a search that may match nothing (204 with an empty body, which is checked). */
export async function resultsOrNone(
  baseUrl: string,
  pathAndQuery: string,
  headers?: Record<string, string>,
): Promise<DicomJsonDataset[]> {
  const reply = await search(baseUrl, pathAndQuery, headers);
  if (reply.status === 204) {
    assert.equal(reply.text, '', `${pathAndQuery}: a 204 has no body`);
    return [];
  }
  return jsonArrayOf(reply, pathAndQuery);
}

/** Asserts a 204 with an empty body. */
export async function expectNone(baseUrl: string, pathAndQuery: string): Promise<void> {
  const reply = await search(baseUrl, pathAndQuery);
  assert.equal(reply.status, 204, `${pathAndQuery}: expected no results, got ${reply.status} ${reply.text}`);
  assert.equal(reply.text, '');
}

/** Asserts a 400 whose message names `parameter`. */
export async function expectBadRequest(baseUrl: string, pathAndQuery: string, parameter: string): Promise<void> {
  const reply = await search(baseUrl, pathAndQuery);
  assert.equal(reply.status, 400, `${pathAndQuery}: expected 400, got ${reply.status} ${reply.text}`);
  assert.ok(reply.text.includes(parameter), `${pathAndQuery}: the message should name '${parameter}': ${reply.text}`);
}

/** The first value of a tag as a string (the Alphabetic group of a person name). */
export function value(dataset: DicomJsonDataset | undefined, tag: string): string | number | undefined {
  const first = dataset?.[tag]?.Value?.[0];
  if (first === undefined || first === null) return undefined;
  if (typeof first === 'string' || typeof first === 'number') return first;
  const alphabetic: unknown = (first as Record<string, unknown>).Alphabetic;
  return typeof alphabetic === 'string' ? alphabetic : undefined;
}

/** Every value of a tag (strings and numbers). */
export function values(dataset: DicomJsonDataset | undefined, tag: string): unknown[] {
  return [...(dataset?.[tag]?.Value ?? [])];
}

/** The sorted string values of `tag` over the results. */
export function uidsOf(datasets: readonly DicomJsonDataset[], tag: string): string[] {
  return datasets.map((d) => String(value(d, tag))).sort();
}

export function sorted(list: readonly string[]): string[] {
  return [...list].sort();
}

/** Stores files in one multipart STOW request and insists that every one was stored. */
export async function storeAll(baseUrl: string, files: readonly Buffer[]): Promise<void> {
  const result = await stowFiles(`${baseUrl}/v2/studies`, files);
  assert.equal(result.status, 200, result.text);
}

/**
 * Stores in batches of `batch` files per request, `parallel` requests at a time. Small batches in
 * parallel are fastest for many studies (each request refreshes its studies' summaries before it
 * answers); one large batch is fastest for many instances of one study.
 */
export async function storeInBatches(
  baseUrl: string,
  files: readonly Buffer[],
  batch = 5,
  parallel = 6,
): Promise<void> {
  const batches: Buffer[][] = [];
  for (let i = 0; i < files.length; i += batch) batches.push(files.slice(i, i + batch));
  for (let i = 0; i < batches.length; i += parallel) {
    await Promise.all(batches.slice(i, i + parallel).map((b) => storeAll(baseUrl, b)));
  }
}

export interface StudyUids {
  readonly study: string;
  readonly series: string[];
  readonly sops: string[];
}

/** The common study-level attributes of a generated study, as elements. */
export interface StudyAttributes {
  readonly patientName?: string;
  readonly patientId?: string;
  readonly studyDate?: string;
  readonly accessionNumber?: string;
  readonly referringPhysicianName?: string;
  readonly studyDescription?: string;
  readonly patientBirthDate?: string;
}

export interface SeriesAttributes {
  readonly modality?: string;
  readonly manufacturerModelName?: string;
  readonly performedProcedureStepStartDate?: string;
}

/** Files of one study: `seriesSpecs[i]` series each with `instances` instances. */
export function studyFiles(
  attributes: StudyAttributes,
  seriesSpecs: readonly (SeriesAttributes & { readonly instances?: number })[] = [{}],
  extra: Partial<InstanceSpec> = {},
): { uids: StudyUids; files: Buffer[] } {
  const study = newUid();
  const uids: StudyUids = { study, series: [], sops: [] };
  const files: Buffer[] = [];
  for (const s of seriesSpecs) {
    const series = newUid();
    uids.series.push(series);
    for (let i = 0; i < (s.instances ?? 1); i += 1) {
      const sop = newUid();
      uids.sops.push(sop);
      files.push(
        makeDicom({
          ...extra,
          studyInstanceUid: study,
          seriesInstanceUid: series,
          sopInstanceUid: sop,
          ...(attributes.patientName !== undefined && { patientName: attributes.patientName }),
          ...(attributes.patientId !== undefined && { patientId: attributes.patientId }),
          ...(attributes.studyDate !== undefined && { studyDate: attributes.studyDate }),
          ...(s.modality !== undefined && { modality: s.modality }),
          elements: [...elementsOf(attributes, s), ...(extra.elements ?? [])],
        }),
      );
    }
  }
  return { uids, files };
}

function elementsOf(study: StudyAttributes, series: SeriesAttributes): ElementSpec[] {
  const elements: ElementSpec[] = [];
  const add = (tag: string, vr: string, v: string | undefined) => {
    if (v !== undefined) elements.push({ tag, vr, value: v });
  };
  add(T.AccessionNumber, 'SH', study.accessionNumber);
  add(T.ReferringPhysicianName, 'PN', study.referringPhysicianName);
  add(T.StudyDescription, 'LO', study.studyDescription);
  add(T.PatientBirthDate, 'DA', study.patientBirthDate);
  add(T.ManufacturerModelName, 'LO', series.manufacturerModelName);
  add(T.PerformedProcedureStepStartDate, 'DA', series.performedProcedureStepStartDate);
  return elements;
}

export interface SearchCostHeader {
  readonly requests: number;
  readonly entities: number;
}

/** `X-Search-Cost: requests=N; entities=M`, parsed. */
export function costOf(reply: { headers: Headers }): SearchCostHeader {
  const header = reply.headers.get('x-search-cost');
  assert.ok(header, 'an X-Search-Cost header (DICOM_SEARCH_COST_HEADER=true)');
  const match = /^requests=(\d+); entities=(\d+)$/.exec(header);
  assert.ok(match, `malformed X-Search-Cost: ${header}`);
  return { requests: Number(match[1]), entities: Number(match[2]) };
}

export async function httpDelete(url: string): Promise<number> {
  const response = await fetch(url, { method: 'DELETE' });
  await response.arrayBuffer();
  return response.status;
}

export { rawGet };
