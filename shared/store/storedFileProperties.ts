import { Part10StreamParser } from '../dicom/part10StreamParser';
import { withEventLoopTurns } from '../http/eventLoopTurns';
import { openBlob } from '../retrieve/blobReads';
import { fileBlobName, type InstanceKey } from '../storage/blobLayout';
import { instanceProperties } from './instanceProjection';

/**
 * The instance entity's properties, derived again from the stored file exactly as the store
 * derived them: what recovery needs to roll forward a committed store whose entity is still
 * `creating` (change-feed blocks do not carry them: docs/consistency.md). The metadata and frame
 * index blobs, when the instance needs them, were written before the commit.
 */
export async function storedFileProperties(key: InstanceKey, version: string): Promise<Record<string, unknown>> {
  const parser = new Part10StreamParser();
  let fileSize = 0;
  for await (const chunk of withEventLoopTurns(openBlob(fileBlobName(key, version)).chunks())) {
    fileSize += chunk.length;
    parser.write(chunk);
  }
  const parsed = parser.end();
  return instanceProperties({
    dataset: parsed.dataset,
    transferSyntaxUid: parsed.transferSyntaxUid,
    frames: parsed.frames,
    fileSize,
  }).properties;
}
