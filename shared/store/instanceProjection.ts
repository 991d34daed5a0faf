import type { DicomJsonDataset } from '../dicom/dicomJson';
import { getString } from '../dicom/dicomJson';
import type { FrameIndex } from '../dicom/part10StreamParser';
import { Tag } from '../dicom/tags';
import { DEFAULT_TAGS, OTHER_TAGS } from '../search/searchableAttributes';

/** The largest frame index kept on the entity (a string property holds at most 64 KiB). */
const MAX_INLINE_FRAMES_CHARS = 30_000;
/** Same limit for the attributes QIDO answers from (the rest stays in the metadata document). */
const MAX_INLINE_ATTRIBUTES_CHARS = 30_000;
/**
 * Metadata documents up to this size live on the entity: one blob write less per store (Blob
 * Storage is the slower path), and a series' metadata is one table query instead of a read per
 * instance. Larger documents go to a blob beside the file.
 */
const MAX_INLINE_METADATA_CHARS = 30_000;

/**
 * The attributes QIDO-RS returns at each level (defaults and `includefield=all` of the
 * conformance statement), kept on the instance entity so searches never read blobs. The search
 * summaries of a study and its series are made of these.
 */
const QIDO_TAGS: readonly string[] = [
  ...new Set([
    ...(['study', 'series', 'instance'] as const).flatMap((level) => [...DEFAULT_TAGS[level], ...OTHER_TAGS[level]]),
    Tag.StudyInstanceUID,
  ]),
];

export interface ProjectionInput {
  readonly dataset: DicomJsonDataset;
  readonly transferSyntaxUid: string;
  readonly frames: FrameIndex | undefined;
  readonly fileSize: number;
}

/**
 * The properties of a `created` instance entity, except what the change-feed commit decides
 * (`Sequence`, `StoredAt`).
 */
export function instanceProperties(input: ProjectionInput): {
  properties: Record<string, unknown>;
  /** The frame index, when it is too large for the entity and must go to its blob (serialised once). */
  framesForBlob: string | undefined;
  /** The metadata document, when it is too large for the entity and must go to its blob. */
  metadataForBlob: string | undefined;
} {
  const framesJson = input.frames ? JSON.stringify(input.frames) : undefined;
  const framesTooLarge = framesJson !== undefined && framesJson.length > MAX_INLINE_FRAMES_CHARS;
  const metadataJson = JSON.stringify(input.dataset);
  const metadataTooLarge = metadataJson.length > MAX_INLINE_METADATA_CHARS;
  const properties: Record<string, unknown> = {
    SOPClassUID: getString(input.dataset, Tag.SOPClassUID) ?? '',
    TransferSyntaxUID: input.transferSyntaxUid,
    FileSize: input.fileSize,
    FramesInBlob: framesTooLarge,
    MetadataInBlob: metadataTooLarge,
    QidoAttributes: qidoAttributesJson(input.dataset),
  };
  if (framesJson !== undefined && !framesTooLarge) properties.Frames = framesJson;
  if (!metadataTooLarge) properties.Metadata = metadataJson;
  return {
    properties,
    framesForBlob: framesTooLarge ? framesJson : undefined,
    metadataForBlob: metadataTooLarge ? metadataJson : undefined,
  };
}

function qidoAttributesJson(dataset: DicomJsonDataset): string {
  const subset: DicomJsonDataset = {};
  let length = 2;
  for (const tag of QIDO_TAGS) {
    const element = dataset[tag];
    if (!element) continue;
    // An oversized element (a long sequence, say) is left out alone; the searchable ones are short.
    const size = JSON.stringify(element).length + tag.length + 4;
    if (length + size > MAX_INLINE_ATTRIBUTES_CHARS) continue;
    subset[tag] = element;
    length += size;
  }
  return JSON.stringify(subset);
}
