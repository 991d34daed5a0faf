/**
 * The export's error log: an append blob `{operationId}/errors.log` in the destination, one JSON
 * line per identifier or instance that was skipped (Azure's ExportErrorLogEntry). Written at least
 * once: a step that runs again after a crash may log the same line twice, as Azure's may.
 */
import type { AppendBlobClient, ContainerClient } from '@azure/storage-blob';

export interface ExportErrorEntry {
  readonly timestamp: string;
  readonly identifier: string;
  readonly error: string;
}

/** An append block holds at most 4 MiB; lines are a few hundred bytes, so batches stay far below. */
const MAX_LINES_PER_BLOCK = 1000;

export function errorLogBlob(destination: ContainerClient, operationId: string): AppendBlobClient {
  return destination.getAppendBlobClient(`${operationId}/errors.log`);
}

export async function appendExportErrors(log: AppendBlobClient, entries: readonly ExportErrorEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += MAX_LINES_PER_BLOCK) {
    const text = entries
      .slice(start, start + MAX_LINES_PER_BLOCK)
      .map((entry) => `${JSON.stringify(entry)}\n`)
      .join('');
    await log.appendBlock(text, Buffer.byteLength(text));
  }
}
