/** PUT (upsert) requests and the reads that check what a replacement left, for the lifecycle tests. */
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { readReply, type Reply } from '../support/httpReply';
import { multipartBody, multipartRelated, newBoundary } from '../support/multipartBody';

export async function put(url: string, files: readonly Buffer[]): Promise<Reply<DicomJsonDataset>> {
  const boundary = newBoundary();
  const response = await fetch(url, {
    method: 'PUT',
    body: new Uint8Array(
      multipartBody(
        files.map((body) => ({ body })),
        boundary,
      ),
    ),
    headers: { 'Content-Type': multipartRelated(boundary), Accept: 'application/dicom+json' },
  });
  return readReply<DicomJsonDataset>(response);
}

export async function putSingle(url: string, file: Buffer): Promise<Reply<DicomJsonDataset>> {
  const response = await fetch(url, {
    method: 'PUT',
    body: new Uint8Array(file),
    headers: { 'Content-Type': 'application/dicom', Accept: 'application/dicom+json' },
  });
  return readReply<DicomJsonDataset>(response);
}

/** The instance's file as stored (transfer-syntax=*), or the status when there is none. */
export async function retrieveBytes(instanceUrl: string): Promise<Buffer | number> {
  const response = await fetch(instanceUrl, { headers: { Accept: 'application/dicom; transfer-syntax=*' } });
  if (response.status !== 200) return response.status;
  return Buffer.from(await response.arrayBuffer());
}

/** The preamble is zeroed on store: what retrieve returns for `file`. */
export function asStored(file: Buffer): Buffer {
  const copy = Buffer.from(file);
  copy.fill(0, 0, 128);
  return copy;
}
