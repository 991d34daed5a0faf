import type { InstanceKey } from '../storage/blobLayout';
import { renewLease } from '../storage/instanceRecords';

/**
 * Keeps a store attempt's reservation alive while its upload runs (a 4 GB upload can outlast any
 * fixed lease): it is renewed every third of the lease, so only attempts whose process died ever
 * look abandoned to a retry or to recovery.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private lostError: unknown;

  constructor(
    private readonly key: InstanceKey,
    private currentEtag: string,
    private readonly leaseSeconds: number,
    /** The lease end the reservation was written with. */
    private heldUntil: Date,
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

  /**
   * Set when a renewal failed (the reservation may have been taken over), or when renewals fell
   * so far behind (a stalled process) that less than a third of the lease is left: committing
   * then could race a retry that sees the lease run out.
   */
  get lost(): unknown {
    if (this.lostError) return this.lostError;
    const leftMs = this.heldUntil.getTime() - Date.now();
    if (leftMs < (this.leaseSeconds * 1000) / 3) {
      return new Error(`The lease was last renewed until ${this.heldUntil.toISOString()}; renewals fell behind.`);
    }
    return undefined;
  }

  /**
   * Renews now and fails if the reservation is no longer ours: a PUT's fence just before its commit,
   * so that a delete that hid the instance meanwhile makes it give up instead of commit.
   */
  async renewNow(): Promise<void> {
    await this.renewing;
    this.renewing = this.renew();
    await this.renewing.finally(() => (this.renewing = undefined));
    if (this.lostError) throw new Error('The reservation was lost before the commit.', { cause: this.lostError });
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
      const until = leaseEnd(this.leaseSeconds);
      this.currentEtag = await renewLease(this.key, this.currentEtag, until);
      this.heldUntil = until;
    } catch (error) {
      this.lostError = error;
    }
  }
}

export function leaseEnd(leaseSeconds: number): Date {
  return new Date(Date.now() + leaseSeconds * 1000);
}

/**
 * How old a pending marker must be before recovery may treat its attempt as dead when nothing
 * else tells (no reservation of its version yet; a `created` instance whose request has not
 * removed it): one lease. A live attempt's reservation lands within moments of its marker, and a
 * live request removes its markers within seconds of answering.
 */
export function staleMarkerMs(leaseSeconds: number): number {
  return leaseSeconds * 1000;
}
