import { deleteRequestMarker, writeRequestMarker } from '../storage/instanceRecords';
import { mapConcurrently } from '../changefeed/mapConcurrently';

interface Written {
  readonly etag: Promise<string>;
  readonly at: number;
}

/**
 * The pending markers of one STOW request: one per study it stores into (not one per instance),
 * written before the first of its instances' files can be complete, so that recovery finds every
 * attempt of the request by its version range (docs/consistency.md). A request that runs long
 * rewrites a marker before the next instance once it is `refreshMs` old, so the sweeper, which
 * settles only markers older than a lease, never removes the marker of a request still storing.
 */
export class RequestMarkers {
  private readonly written = new Map<string, Written>();
  private readonly kept = new Set<string>();

  constructor(
    private readonly requestVersion: string,
    private readonly refreshMs: number,
  ) {}

  /** Resolves once the study's marker is in place (written now, or recently enough). */
  async ensure(studyInstanceUid: string): Promise<void> {
    const current = this.written.get(studyInstanceUid);
    if (current && Date.now() - current.at < this.refreshMs) {
      await current.etag;
      return;
    }
    const etag = writeRequestMarker(studyInstanceUid, this.requestVersion);
    this.written.set(studyInstanceUid, { etag, at: Date.now() });
    // A failed write is retried by the next instance rather than remembered.
    etag.catch(() => {
      if (this.written.get(studyInstanceUid)?.etag === etag) this.written.delete(studyInstanceUid);
    });
    await etag;
  }

  /** The studies this request has written markers in. */
  studies(): string[] {
    return [...this.written.keys()];
  }

  /** Something in this study is left for recovery (an attempt not cleaned up): its marker stays. */
  keep(studyInstanceUid: string): void {
    this.kept.add(studyInstanceUid);
  }

  /** Removes every marker not kept, each only while it is the one this request last wrote. */
  async removeAll(log: (message: string) => void): Promise<void> {
    const removable = [...this.written].filter(([study]) => !this.kept.has(study));
    await mapConcurrently(removable, 8, async ([study, { etag }]) => {
      try {
        await deleteRequestMarker(study, this.requestVersion, await etag);
      } catch (error) {
        log(`Pending marker of request ${this.requestVersion} in ${study} left for the sweeper: ${String(error)}`);
      }
    });
  }
}
