/** Shared between the queue fixture app and test/host/queueTrigger.test.ts, which run in one process. */
export interface QueueDelivery {
  readonly message: unknown;
  readonly triggerMetadata: Record<string, unknown> | undefined;
}

export const queueProbes = { deliveries: [] as QueueDelivery[], active: 0, maxActive: 0 };
