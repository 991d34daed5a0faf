/**
 * Counts the storage requests the app makes while `fn` runs. The storage SDKs send through
 * `http.request`; the benchmark's own calls to the app use fetch, so they are not counted.
 * This is what shows that a page's cost follows the page, whatever the emulator's speed.
 */
import http from 'node:http';

export async function countStorageRequests(fn: () => Promise<void>): Promise<number> {
  const original = http.request;
  let count = 0;
  http.request = ((...args: Parameters<typeof http.request>) => {
    count += 1;
    return original(...args);
  }) as typeof http.request;
  try {
    await fn();
  } finally {
    http.request = original;
  }
  return count;
}
