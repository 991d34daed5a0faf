/** Small HTTP helpers for the delete and change-feed tests. */
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { makeDicom, newUid } from '../support/dicomFactory';
import { readReply, type Reply } from '../support/httpReply';
import { stowFiles } from '../support/stowClient';

export interface FeedEntry {
  Sequence: number;
  StudyInstanceUid: string;
  SeriesInstanceUid: string;
  SopInstanceUid: string;
  Action: 'create' | 'update' | 'delete';
  Timestamp: string;
  State: 'current' | 'replaced' | 'deleted';
  Metadata?: DicomJsonDataset;
}

export type { Reply } from '../support/httpReply';

export async function getJson<T>(url: string): Promise<Reply<T>> {
  return readReply<T>(await fetch(url));
}

export async function httpDelete(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'DELETE' });
  return { status: response.status, text: await response.text() };
}

export interface StoredInstance {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
}

/** Stores one generated instance over STOW-RS (v2) and returns its UIDs. */
export async function storeInstance(baseUrl: string, uids: Partial<StoredInstance> = {}): Promise<StoredInstance> {
  const instance = { study: uids.study ?? newUid(), series: uids.series ?? newUid(), sop: uids.sop ?? newUid() };
  const result = await stowFiles(`${baseUrl}/v2/studies`, [
    makeDicom({
      studyInstanceUid: instance.study,
      seriesInstanceUid: instance.series,
      sopInstanceUid: instance.sop,
    }),
  ]);
  if (result.status !== 200) throw new Error(`store failed with ${result.status}: ${result.text}`);
  return instance;
}

/** The whole feed through the v1 API, page by page. */
export async function readWholeFeed(baseUrl: string, includeMetadata = false): Promise<FeedEntry[]> {
  const all: FeedEntry[] = [];
  for (;;) {
    const offset = all.at(-1)?.Sequence ?? 0;
    const page = await getJson<FeedEntry[]>(
      `${baseUrl}/v1/changefeed?offset=${offset}&limit=100&includemetadata=${includeMetadata}`,
    );
    if (page.status !== 200 || !page.json) throw new Error(`change feed answered ${page.status}: ${page.text}`);
    if (page.json.length === 0) return all;
    all.push(...page.json);
  }
}
