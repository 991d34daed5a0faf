// DICOM events (docs/lifecycle.md): the change feed published to Event Grid or a Storage Queue.
// Each commit nudges the publisher; this timer is the safety net (a nudge lost in a crash, a
// publisher that failed, entries another instance committed while this one held the lease), and
// the appStart hook publishes what a crashed process committed but did not send.
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { dicomEventPublisher } from '../shared/events/dicomEvents';
import { ensureStorage } from '../shared/storage/provision';

export async function publishDicomEvents(_timer: Timer, context: InvocationContext): Promise<void> {
  const publisher = dicomEventPublisher();
  if (!publisher) return;
  await ensureStorage();
  const result = await publisher.runOnce();
  if (result.published > 0) context.log(`DICOM events published by the timer: ${result.published}`);
}

app.timer('publishDicomEvents', { schedule: '0 * * * * *', handler: publishDicomEvents });

// Not awaited: publishing must never hold up the start (recovery's hook settles stores first).
app.hook.appStart(() => {
  try {
    const publisher = dicomEventPublisher();
    if (publisher) {
      ensureStorage().then(
        () => publisher.nudge(),
        (error: unknown) => console.warn(`DICOM events wait for the timer: ${String(error)}`),
      );
    }
  } catch (error) {
    console.warn(`DICOM events are off: ${String(error)}`);
  }
});
