import { getConfig } from '../config';

/** Points where DICOM_LOCAL_PAUSE_AT can hold a request, for the crash tests (docs/lifecycle.md). */
export type PausePoint = 'upsert-before-commit' | 'upsert-after-commit' | 'events-before-publish';

/**
 * Local testing only: when DICOM_LOCAL_PAUSE_AT (a comma-separated list) names `point`, says so on the console and never
 * resolves, so a test can kill the process exactly there. Unset (always, on Azure): resolves at once.
 */
export async function pauseAt(point: PausePoint): Promise<void> {
  const points =
    getConfig()
      .events.localPauseAt?.split(',')
      .map((p) => p.trim()) ?? [];
  if (!points.includes(point)) return;
  console.warn(`[local-pause] ${point}`);
  await new Promise<never>(() => undefined);
}
