/** Shared between the fixture app and the host tests, which run in one process. */
export const probes = {
  /** Set by a test right before it sends the last part of an upload. */
  lastPartSent: false,
  /** Bytes the streamed body's source has produced. */
  pulled: 0,
  /** The streamed body's source was closed (ended, failed or cancelled). */
  sourceClosed: false,
  /** Runs of the `tick` timer: started, running now, most at once. */
  ticks: 0,
  activeTicks: 0,
  maxActiveTicks: 0,
};
