/**
 * `/health` is anonymous, so its storage probes must not scale with its callers (issue 13): one
 * probe at a time, its answer reused for a few seconds by everyone who asks meanwhile.
 */
export const HEALTH_CACHE_MS = 5000;

/** `arg` is what the call that starts a probe passes to it (its logger). */
export function cachedHealth<A, T>(check: (arg: A) => Promise<T>, ttlMs = HEALTH_CACHE_MS, now = () => Date.now()) {
  let latest: { readonly at: number; readonly answer: Promise<T> } | undefined;
  return (arg: A): Promise<T> => {
    const time = now();
    if (latest && time - latest.at < ttlMs) return latest.answer;
    const answer = check(arg);
    latest = { at: time, answer };
    // A probe that throws is not kept: the next caller tries again.
    answer.catch(() => (latest = undefined));
    return answer;
  };
}
