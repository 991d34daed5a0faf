/**
 * Holds the commits of a request's instances back until several are ready, so their change-feed
 * events go in one transaction (one block, two entity writes) and their visibility changes in one
 * transaction per study (docs/scale.md). A part's commit waits for at most `maxWaitMs` (less than
 * a third of a lease, so waiting never costs a lease renewal), for `maxSize` parts, for parts
 * holding `maxBytes` of decoded metadata between them (a waiting part keeps its dataset in memory),
 * or for the end of the request body, whichever comes first.
 */
export class CommitGroup {
  private waiting: Array<() => void> = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly maxSize: number,
    private readonly maxWaitMs: number,
    private readonly maxBytes: number,
  ) {}

  /** Resolves when this part, holding about `bytes` of decoded data, may commit. */
  join(bytes: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.bytes += bytes;
      if (this.waiting.length >= this.maxSize || this.bytes >= this.maxBytes) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  /** No more parts will join: whoever waits commits now, and later joiners at once. */
  close(): void {
    this.closed = true;
    this.flush();
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
