/**
 * Holds the commits of a request's instances back until several are ready, so their change-feed
 * events go in one transaction (one block, two entity writes) and their visibility changes in one
 * transaction per study (docs/scale.md). A part's commit waits for at most `maxWaitMs` (less than
 * a third of a lease, so waiting never costs a lease renewal), for `maxSize` parts, for parts
 * holding `maxBytes` of decoded metadata between them (a waiting part keeps its dataset in memory),
 * or, once the request body has ended, for the last of its stores to be ready (or to have ended
 * without committing), whichever comes first.
 */
export class CommitGroup {
  private waiting: Array<() => void> = [];
  private bytes = 0;
  /** Stores that may still join: entered, and neither joined nor left. */
  private members = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly maxSize: number,
    private readonly maxWaitMs: number,
    private readonly maxBytes: number,
  ) {}

  /** A store begins that may join later. */
  enter(): void {
    this.members += 1;
  }

  /** A store that entered ended without joining (refused, failed, a duplicate). */
  leave(): void {
    this.members -= 1;
    if (this.closed && this.members === 0) this.flush();
  }

  /** Resolves when this store, which entered and holds about `bytes` of decoded data, may commit. */
  join(bytes: number): Promise<void> {
    this.members -= 1;
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.bytes += bytes;
      const everyoneIn = this.closed && this.members === 0;
      if (everyoneIn || this.waiting.length >= this.maxSize || this.bytes >= this.maxBytes) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  /** No more stores will enter (the request body has ended). */
  close(): void {
    this.closed = true;
    if (this.members === 0) this.flush();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const ready = this.waiting;
    this.waiting = [];
    this.bytes = 0;
    for (const resolve of ready) resolve();
  }
}
