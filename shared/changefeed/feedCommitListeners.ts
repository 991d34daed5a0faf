const listeners: (() => void)[] = [];

/** Called after every committed transaction of this worker: the events publisher's nudge (docs/lifecycle.md). */
export function onFeedCommit(listener: () => void): void {
  listeners.push(listener);
}

export function notifyFeedCommit(): void {
  for (const listener of listeners) listener();
}
