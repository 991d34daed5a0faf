// `npm run azurite:stop`: stops the Azurite that `npm start` left running on ./.azurite/ (or
// DICOM_AZURITE_LOCATION), after a crash of the server or a second Ctrl-C, and waits for its save.
import path from 'node:path';
import { savedAll, stopPersistentAzurite } from './persistentAzurite';

const APP_ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const location = path.resolve(process.env.DICOM_AZURITE_LOCATION?.trim() || path.join(APP_ROOT, '.azurite'));
  const results = await stopPersistentAzurite(location);
  if (results.length === 0) console.log(`No Azurite is running on ${location}.`);
  for (const { pid, report } of results) {
    const saved = savedAll(report);
    console.log(
      `Azurite (pid ${pid}) on ${location} stopped: ${saved ? 'data saved' : 'SAVE NOT CONFIRMED'} (${report ?? 'no report'}).`,
    );
    if (!saved) process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
