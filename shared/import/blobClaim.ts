import type { BlobClient, BlobLeaseClient } from '@azure/storage-blob';
import { isStorageStatus } from '../storage/storageErrors';

/** A fixed blob lease (15 to 60 s): the longest a crashed importer keeps a file from the next run. */
export const CLAIM_SECONDS = 20;
/** Renewed well before it runs out, while a large file streams. */
const RENEW_MS = (CLAIM_SECONDS * 1000) / 4;

/**
 * One importer's hold on an import blob: a blob lease, so that no two runs (other instances, an
 * overlapping run) import the same file at once, and so that only its holder can delete it. A
 * crash leaves the lease to run out and the file to be retried.
 */
export class BlobClaim {
  private readonly timer: NodeJS.Timeout;
  private lost: string | undefined;

  private constructor(
    private readonly lease: BlobLeaseClient,
    readonly leaseId: string,
  ) {
    this.timer = setInterval(() => {
      lease
        .renewLease()
        .catch((error: unknown) => (this.lost ??= error instanceof Error ? error.message : String(error)));
    }, RENEW_MS);
    this.timer.unref();
  }

  /** The claim on the blob as listed (`etag`), or undefined when another importer holds it or it changed. */
  static async acquire(blob: BlobClient, etag: string): Promise<BlobClaim | undefined> {
    const lease = blob.getBlobLeaseClient();
    try {
      await lease.acquireLease(CLAIM_SECONDS, { conditions: { ifMatch: etag } });
    } catch (error) {
      // 409: leased by another importer; 412: rewritten since it was listed; 404: gone.
      if (isStorageStatus(error, 404, 409, 412)) return undefined;
      throw error;
    }
    return new BlobClaim(lease, lease.leaseId);
  }

  /** A renewal failed: another importer may hold the file now. */
  get lostError(): string | undefined {
    return this.lost;
  }

  /** Stops renewing; the lease itself ends with the blob's deletion, or is released. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Gives the file back for a later run (a transient failure). */
  async release(): Promise<void> {
    this.stop();
    await this.lease.releaseLease().catch(() => undefined); // it runs out on its own
  }
}
