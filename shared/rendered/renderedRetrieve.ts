/**
 * Retrieve rendered (PS3.18 10.4.1.1.4, Azure DICOM service "Retrieve rendered image"): one frame
 * of an instance as a consumer image. The instance's own /rendered is its first frame, as Azure
 * serves it.
 */
import type { HttpResponseInit } from '@azure/functions';
import { runPixelTask } from '../pixels/pixelWorkerPool';
import type { RenderOutput } from '../pixels/pixelTasks';
import { findStoredImage, readFrameSource, type StoredImage } from '../pixels/storedImage';
import type { RetrieveScope } from '../retrieve/retrieveScope';
import { RENDERED_MEDIA_TYPES, negotiateRendered } from './renderedNegotiation';
import { renderOutputOf } from './renderedParams';

export async function retrieveRendered(
  scope: RetrieveScope,
  frame: number,
  accept: string | null,
  query: URLSearchParams,
): Promise<HttpResponseInit> {
  const output = renderOutputOf(query, negotiateRendered(accept));
  const image = await findStoredImage(scope);
  return renderedResponse(image, frame, output);
}

/** One frame rendered and encoded on a pixel worker. */
export async function renderedResponse(
  image: StoredImage,
  frame: number,
  output: RenderOutput,
  headers: Record<string, string> = {},
): Promise<HttpResponseInit> {
  const source = await readFrameSource(image, frame);
  const bytes = await runPixelTask({ kind: 'render', output, ...source });
  return {
    status: 200,
    headers: {
      'Content-Type': RENDERED_MEDIA_TYPES[output.format],
      'Content-Length': String(bytes.length),
      ...headers,
    },
    body: bytes,
  };
}
