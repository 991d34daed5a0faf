/**
 * The tag definitions: one global (unpartitioned) table, `ExtendedQueryTags`, PartitionKey
 * `tags`, RowKey the 8-hex path, plus a `~set` row whose ETag serialises concurrent adds (the
 * 128-tag limit and "already exists" hold across racing requests: one entity-group transaction).
 */
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { globalTableNamed } from '../storage/clients';
import { getEntityIfExists } from '../storage/entityReads';
import { isStorageStatus } from '../storage/storageErrors';
import type { Level } from '../search/searchableAttributes';
import type { ExtendedQueryTag, QueryStatus, SupportedVr, TagStatus } from './tagModel';

export const TAG_TABLES = {
  /** Global: the definitions. */
  definitions: 'ExtendedQueryTags',
  /** Global: reindex errors, PartitionKey `{path}{generation}`, RowKey `{study}|{series}|{sop}`. */
  errors: 'ExtendedQueryTagErrors',
} as const;

/**
 * The one place that reaches the global EQT tables: data partitions make most tables per
 * partition, these stay shared by all of them (EQT routes are not partitioned in Azure).
 */
export function globalTagTable(name: (typeof TAG_TABLES)[keyof typeof TAG_TABLES]): TableClient {
  return globalTableNamed(name);
}

const TAGS_PARTITION = 'tags';
const SET_ROW = '~set';

type TagEntity = {
  partitionKey: string;
  rowKey: string;
  VR: string;
  PrivateCreator?: string;
  Level: string;
  Status: string;
  QueryStatus: string;
  ErrorCount: number;
  OperationId?: string;
  Generation: string;
  CreatedTime: Date;
};

export interface StoredTag {
  readonly tag: ExtendedQueryTag;
  readonly etag: string;
}

function definitions(): TableClient {
  return globalTagTable(TAG_TABLES.definitions);
}

function tagOf(entity: TableEntityResult<TagEntity>): ExtendedQueryTag {
  return {
    path: entity.rowKey,
    vr: entity.VR as SupportedVr,
    ...(entity.PrivateCreator ? { privateCreator: entity.PrivateCreator } : {}),
    level: entity.Level as Level,
    status: entity.Status as TagStatus,
    queryStatus: entity.QueryStatus as QueryStatus,
    errorCount: entity.ErrorCount,
    ...(entity.OperationId ? { operationId: entity.OperationId } : {}),
    generation: entity.Generation,
    createdTime: new Date(entity.CreatedTime),
  };
}

function entityOf(tag: ExtendedQueryTag): TagEntity {
  return {
    partitionKey: TAGS_PARTITION,
    rowKey: tag.path,
    VR: tag.vr,
    ...(tag.privateCreator ? { PrivateCreator: tag.privateCreator } : {}),
    Level: tag.level,
    Status: tag.status,
    QueryStatus: tag.queryStatus,
    ErrorCount: tag.errorCount,
    ...(tag.operationId ? { OperationId: tag.operationId } : {}),
    Generation: tag.generation,
    CreatedTime: tag.createdTime,
  };
}

interface TagSet {
  readonly tags: StoredTag[];
  readonly setEtag: string | undefined;
}

/** Every definition (at most 128 rows and the `~set` row: one query). */
export async function readTagSet(): Promise<TagSet> {
  const tags: StoredTag[] = [];
  let setEtag: string | undefined;
  const rows = definitions().listEntities<TagEntity>({
    queryOptions: { filter: odata`PartitionKey eq ${TAGS_PARTITION}` },
  });
  for await (const row of rows) {
    if (row.rowKey === SET_ROW) setEtag = row.etag;
    else tags.push({ tag: tagOf(row), etag: row.etag });
  }
  return { tags, setEtag };
}

export async function listTags(): Promise<ExtendedQueryTag[]> {
  return (await readTagSet()).tags.map((t) => t.tag);
}

export async function getTag(path: string): Promise<StoredTag | undefined> {
  const row = await getEntityIfExists<TagEntity>(definitions(), TAGS_PARTITION, path);
  return row && { tag: tagOf(row), etag: row.etag };
}

/**
 * Writes new definitions in one transaction guarded by the `~set` row's ETag read with `set`;
 * `replacing` are orphans (rows whose add never got an operation) overwritten in place.
 * Answers false when another add or delete changed the set meanwhile (the caller re-reads).
 */
export async function writeNewTags(
  set: TagSet,
  added: readonly ExtendedQueryTag[],
  replacing: ReadonlyMap<string, string>,
): Promise<boolean> {
  const actions: TransactionAction[] = added.map((tag) => {
    const etag = replacing.get(tag.path);
    return etag === undefined ? ['create', entityOf(tag)] : ['update', entityOf(tag), 'Replace', { etag }];
  });
  const setRow = { partitionKey: TAGS_PARTITION, rowKey: SET_ROW, Changed: new Date() };
  actions.push(set.setEtag === undefined ? ['create', setRow] : ['update', setRow, 'Replace', { etag: set.setEtag }]);
  try {
    await definitions().submitTransaction(actions);
    return true;
  } catch (error) {
    if (isStorageStatus(error, 409, 412)) return false;
    throw error;
  }
}

/** Replaces a definition if it is unchanged since `etag`; false when it changed or is gone. */
export async function replaceTag(tag: ExtendedQueryTag, etag: string): Promise<boolean> {
  try {
    await definitions().updateEntity(entityOf(tag), 'Replace', { etag });
    return true;
  } catch (error) {
    if (isStorageStatus(error, 404, 409, 412)) return false;
    throw error;
  }
}

/** Sets properties of a definition of this generation, whatever else changed (no-op once it is gone). */
export async function mergeTag(
  path: string,
  generation: string,
  change: (tag: ExtendedQueryTag) => ExtendedQueryTag | undefined,
): Promise<ExtendedQueryTag | undefined> {
  for (;;) {
    const stored = await getTag(path);
    if (!stored || stored.tag.generation !== generation) return undefined;
    const next = change(stored.tag);
    if (!next) return stored.tag;
    if (await replaceTag(next, stored.etag)) return next;
  }
}

/** Removes a definition of this generation (after its index entries are gone). */
export async function removeTag(path: string, generation: string): Promise<void> {
  const stored = await getTag(path);
  if (!stored || stored.tag.generation !== generation) return;
  try {
    await definitions().deleteEntity(TAGS_PARTITION, path, { etag: stored.etag });
  } catch (error) {
    if (!isStorageStatus(error, 404, 412)) throw error;
  }
}
