/** What the server already has, asked with QIDO-RS by SOP Instance UID (100 UIDs per search). */
import { mapConcurrently } from '../../shared/changefeed/mapConcurrently';
import type { DicomFile } from './fileScan';

const UIDS_PER_SEARCH = 100;
const SEARCH_CONCURRENCY = 4;

/** The files whose instance (all three UIDs) the server already stores. */
export async function alreadyStored(
  files: readonly DicomFile[],
  baseUrl: string,
  token: string | undefined,
): Promise<Set<DicomFile>> {
  const chunks: DicomFile[][] = [];
  for (let i = 0; i < files.length; i += UIDS_PER_SEARCH) chunks.push(files.slice(i, i + UIDS_PER_SEARCH));
  const found = new Set<string>();
  await mapConcurrently(chunks, SEARCH_CONCURRENCY, async (chunk) => {
    const uids = [...new Set(chunk.map((f) => f.sop))].join(',');
    const url = `${baseUrl}/instances?SOPInstanceUID=${encodeURIComponent(uids)}&includefield=0020000D,0020000E&limit=200`;
    const headers: Record<string, string> = { Accept: 'application/dicom+json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(url, { headers });
    if (response.status === 204) return;
    if (!response.ok)
      throw new Error(`Searching ${baseUrl}/instances answered ${response.status}: ${await response.text()}`);
    for (const item of (await response.json()) as Record<string, { Value?: unknown[] }>[]) {
      const uid = (tag: string): string => {
        const value = item[tag]?.Value?.[0];
        return typeof value === 'string' ? value : '';
      };
      found.add(`${uid('0020000D')}|${uid('0020000E')}|${uid('00080018')}`);
    }
  });
  return new Set(files.filter((f) => found.has(`${f.study}|${f.series}|${f.sop}`)));
}
