/** A small STOW-RS client over fetch, returning status, headers and the parsed DICOM JSON body. */
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { readReply, type Reply } from './httpReply';
import { multipartBody, multipartRelated, newBoundary, type PartSpec } from './multipartBody';

export type StowResult = Reply<DicomJsonDataset>;

export async function post(
  url: string,
  body: Buffer | undefined,
  headers: Record<string, string>,
): Promise<StowResult> {
  const response = await fetch(url, {
    method: 'POST',
    body: body ? new Uint8Array(body) : undefined,
    headers,
  });
  return readReply<DicomJsonDataset>(response);
}

export function stowParts(
  url: string,
  parts: readonly PartSpec[],
  accept = 'application/dicom+json',
): Promise<StowResult> {
  const boundary = newBoundary();
  return post(url, multipartBody(parts, boundary), {
    'Content-Type': multipartRelated(boundary),
    Accept: accept,
  });
}

export function stowFiles(url: string, files: readonly Buffer[]): Promise<StowResult> {
  return stowParts(
    url,
    files.map((body) => ({ body })),
  );
}

/** The sequence items of a tag in a STOW response (empty when absent). */
export function sequence(json: DicomJsonDataset | undefined, tag: string): DicomJsonDataset[] {
  const element = json?.[tag];
  return (element?.Value as DicomJsonDataset[] | undefined) ?? [];
}

export function firstValue(dataset: DicomJsonDataset | undefined, tag: string): unknown {
  return dataset?.[tag]?.Value?.[0];
}
