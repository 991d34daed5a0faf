/**
 * Where a storage-calls run sent DICOM events (docs/lifecycle.md, "Events"), recorded with the run
 * (bench/storageCalls.ts) and named in docs/scale.md (bench/scaleModel.ts).
 */
export interface EventsSink {
  readonly kind: 'queue' | 'topic' | 'off';
  /** The events queue, for the queue sink. */
  readonly queue?: string;
  readonly filteredQueues: readonly string[];
}

export function describeSink(sink: EventsSink | undefined): string {
  if (!sink) return 'not recorded (a run from before queue calls were counted)';
  const filtered = sink.filteredQueues.length > 0 ? `, plus the filtered queues ${sink.filteredQueues.join(', ')}` : '';
  if (sink.kind === 'off') return `events off${filtered}`;
  if (sink.kind === 'topic') return `an Event Grid topic${filtered}`;
  return `the Storage Queue \`${sink.queue ?? ''}\`, one message per event${filtered}`;
}
