/**
 * STOW's part: the entries of every adding or ready tag for a stored instance, written before the
 * instance becomes visible (so a visible instance is indexed, as with the SOP Instance UID index).
 * Invalid values are skipped here: Azure records errors only during reindex.
 */
import type { DicomJsonDataset } from '../dicom/dicomJson';
import type { InstanceKey } from '../storage/blobLayout';
import { indexedTags } from './tagCache';
import { entityKeyOf, tagWrites, type TagWrite } from './tagIndex';
import type { ExtendedQueryTag } from './tagModel';
import { extractTagValue } from './tagValues';
import { writeTagEntries } from './tagWriter';

export async function indexExtendedTags(dataset: DicomJsonDataset, key: InstanceKey): Promise<void> {
  const tags = await indexedTags();
  if (tags.length === 0) return;
  await writeTagEntries(instanceTagWrites(tags, dataset, key).writes);
}

export interface InstanceTagWrites {
  readonly writes: TagWrite[];
  /** Tags whose value in this instance cannot be indexed, with the reason. */
  readonly invalid: { readonly tag: ExtendedQueryTag; readonly message: string }[];
}

export function instanceTagWrites(
  tags: readonly ExtendedQueryTag[],
  dataset: DicomJsonDataset,
  key: InstanceKey,
): InstanceTagWrites {
  const writes: TagWrite[] = [];
  const invalid: InstanceTagWrites['invalid'] = [];
  for (const tag of tags) {
    const outcome = extractTagValue(dataset, tag);
    if (outcome.kind === 'value') writes.push(...tagWrites(tag, entityKeyOf(tag.level, key), outcome.value));
    else if (outcome.kind === 'invalid') invalid.push({ tag, message: outcome.message });
  }
  return { writes, invalid };
}
