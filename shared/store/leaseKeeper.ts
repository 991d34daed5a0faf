import type { InstanceKey } from '../storage/blobLayout';
import { renewLease } from '../storage/instanceRecords';

/**
 * Keeps a store attempt's reservation alive while its upload runs (a 4 GB upload can outlast any
 * fixed lease), so only attempts whose process died ever look abandoned to a retry.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private lostError: unknown;

  constructor(
    private readonly key: InstanceKey,
    private currentEtag: string,
    private readonly leaseSeconds: number,
  ) {
    const everyMs = (leaseSeconds * 1000) / 3;
    this.timer = setInterval(() => {
      this.renewing ??= this.renew().finally(() => (this.renewing = undefined));
    }, everyMs);
    this.timer.unref();
  }

  get etag(): string {
    return this.currentEtag;
  }

  /** Set when a renewal failed: the reservation may have been taken over. */
  get lost(): unknown {
    return this.lostError;
  }

  /** Stops renewing; waits for a renewal in flight so the ETag is current. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
  }

  private async renew(): Promise<void> {
    if (this.lostError) return;
    try {
      this.currentEtag = await renewLease(this.key, this.currentEtag, leaseEnd(this.leaseSeconds));
    } catch (error) {
      this.lostError = error;
    }
  }
}

export function leaseEnd(leaseSeconds: number): Date {
  return new Date(Date.now() + leaseSeconds * 1000);
}
