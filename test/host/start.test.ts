import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { startAzurite, type Azurite } from '../../host/azurite';

// dist/test/host/ -> dist/host/start.js
const START = path.resolve(__dirname, '..', '..', 'host', 'start.js');

/** Runs `npm start`'s entry against given storage and resolves with the URL it announces. */
function launch(env: Record<string, string>): { child: ChildProcess; url: Promise<string>; output: string[] } {
  const child = spawn(process.execPath, [START], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = new Promise<string>((resolve, reject) => {
    const onLine = (line: string): void => {
      output.push(line);
      const found = /^DICOMweb server listening on (http:\/\/\S+) \(v1 and v2\); storage: /.exec(line);
      if (found?.[1]) resolve(found[1]);
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code) => reject(new Error(`start.js exited with ${code}:\n${output.join('\n')}`)));
  });
  return { child, url, output };
}

describe('npm start entry (host/start.js)', () => {
  let azurite: Azurite;
  before(async () => {
    azurite = await startAzurite({ inMemory: true, ports: 'free' });
  });
  after(() => azurite.stop());

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves with storage from the environment and exits 0 on ${signal}`, async () => {
      const { child, url, output } = launch({
        PORT: '0',
        DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
      });
      const baseUrl = await url;
      assert.match(baseUrl, /^http:\/\/localhost:\d+$/);
      assert.ok(output.some((line) => line.includes('DICOM_STORAGE_CONNECTION_STRING from the environment')));
      const response = await fetch(`${baseUrl}/hosttest/nothing`);
      await response.body?.cancel();
      assert.ok(response.status >= 400 && response.status < 500);

      const exited = once(child, 'exit');
      child.kill(signal);
      assert.deepEqual(await exited, [0, null]);
    });
  }

  it('refuses a malformed PORT with a clear message', async () => {
    const { url, output } = launch({ PORT: 'seventy', DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString });
    await assert.rejects(url, /exited with 1/);
    assert.ok(output.some((line) => line.includes('PORT must be a port number, not "seventy"')));
  });
});
