/**
 * The tags STOW indexes (adding or ready), cached per worker so a store costs no read for them:
 * at most one query of the definitions every CACHE_MS. A store may so miss a tag added less than
 * CACHE_MS before it; such a tag is `adding`, and its reindex starts walking only once every
 * store that could have missed it is visible (STORE_STALENESS_MS), so the walk covers them.
 */
import { listTags } from './tagStore';
import type { ExtendedQueryTag } from './tagModel';

export const CACHE_MS = 3000;
/**
 * Upper bound on the time from a store reading the cache to its instance being visible: the cache
 * age, plus the commit-group wait (2 s) and the commit and visibility writes.
 */
export const STORE_STALENESS_MS = CACHE_MS + 5000;

let cached: { readonly at: number; readonly tags: Promise<ExtendedQueryTag[]> } | undefined;

export function indexedTags(now = Date.now()): Promise<ExtendedQueryTag[]> {
  if (!cached || now - cached.at >= CACHE_MS) {
    const tags = listTags().then((all) => all.filter((t) => t.status !== 'deleting'));
    tags.catch(() => {
      if (cached?.tags === tags) cached = undefined;
    });
    cached = { at: now, tags };
  }
  return cached.tags;
}

/** After this worker changed the set (its own next store sees the change at once). */
export function forgetCachedTags(): void {
  cached = undefined;
}
