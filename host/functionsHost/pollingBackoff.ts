import { MIN_POLLING_INTERVAL_MS } from './queueOptions';

/** ±20 %: RandomizedExponentialBackoffStrategy.RandomizationFactor. */
const RANDOMIZATION = 0.2;

/**
 * The queue listener's delay between polls (azure-sdk-for-net Microsoft.Azure.WebJobs.Extensions.
 * Storage.Common src/Shared/Timers/RandomizedExponentialBackoffStrategy.cs, created by
 * QueueListener with QueuePollingIntervals.Minimum and maxPollingInterval): after a poll that found
 * messages the next wait is the minimum; each empty poll adds minimum × 2^(n-1), randomized by
 * ±20 %, until the maximum, where it stays.
 */
export class PollingBackoff {
  #current = 0;
  #exponent = 0;

  constructor(
    readonly maximumMs: number,
    readonly minimumMs = MIN_POLLING_INTERVAL_MS,
    private readonly random: () => number = Math.random,
  ) {}

  next(foundMessages: boolean): number {
    if (foundMessages) {
      this.#current = this.minimumMs;
      this.#exponent = 1;
    } else if (this.#current !== this.maximumMs) {
      let interval = this.minimumMs;
      if (this.#exponent > 0) {
        const factor = 1 - RANDOMIZATION + this.random() * 2 * RANDOMIZATION;
        interval += factor * 2 ** (this.#exponent - 1) * this.minimumMs;
      }
      if (interval < this.maximumMs) {
        this.#current = interval;
        this.#exponent++;
      } else {
        this.#current = this.maximumMs;
      }
    }
    return this.#current;
  }
}
