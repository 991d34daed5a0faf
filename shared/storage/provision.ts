import { TAG_INDEX_TABLES } from '../extendedQueryTags/tagIndex';
import { TAG_TABLES } from '../extendedQueryTags/tagStore';
import { ensureOperationQueues } from '../operations/operationQueue';
import { SEARCH_INDEXES } from '../search/searchIndexes';
import { WORKITEM_INDEXES } from '../workitems/workitemAttributes';
import { blobContainer, tableNamed, TABLES } from './clients';

let provisioned: Promise<void> | undefined;

/**
 * Creates the blob container, the tables (the service's own and one per search index) and the
 * operations queues if they are missing. Called once per worker before the first storage access (and by the local host at
 * start-up); later calls share the same promise.
 */
export function ensureStorage(): Promise<void> {
  provisioned ??= provision().catch((error: unknown) => {
    provisioned = undefined; // let the next request try again
    throw error;
  });
  return provisioned;
}

/** Every table name the service uses, without the prefix. */
export function allTableNames(): string[] {
  return [
    ...Object.values(TABLES),
    ...SEARCH_INDEXES.map((i) => i.table),
    ...WORKITEM_INDEXES.map((i) => i.table),
    ...Object.values(TAG_TABLES),
    ...Object.values(TAG_INDEX_TABLES),
  ];
}

async function provision(): Promise<void> {
  await Promise.all([
    blobContainer().createIfNotExists(),
    ...allTableNames().map((name) => createTable(name)),
    ensureOperationQueues(),
  ]);
}

async function createTable(name: string): Promise<void> {
  try {
    await tableNamed(name).createTable();
  } catch (error) {
    // createTable already tolerates 409 TableAlreadyExists; anything else is real.
    throw new Error(`Could not create table ${tableNamed(name).tableName}`, { cause: error });
  }
}
