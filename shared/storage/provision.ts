import { blobContainer, table, TABLES, type TableKey } from './clients';

let provisioned: Promise<void> | undefined;

/**
 * Creates the blob container and the tables if they are missing. Called once per worker before
 * the first storage access (and by the local host at start-up); later calls share the same promise.
 */
export function ensureStorage(): Promise<void> {
  provisioned ??= provision().catch((error: unknown) => {
    provisioned = undefined; // let the next request try again
    throw error;
  });
  return provisioned;
}

async function provision(): Promise<void> {
  await Promise.all([
    blobContainer().createIfNotExists(),
    ...(Object.keys(TABLES) as TableKey[]).map((key) => createTable(key)),
  ]);
}

async function createTable(key: TableKey): Promise<void> {
  try {
    await table(key).createTable();
  } catch (error) {
    // createTable already tolerates 409 TableAlreadyExists; anything else is real.
    throw new Error(`Could not create table ${table(key).tableName}`, { cause: error });
  }
}
