/**
 * DCMTK's dcmdump as an independent reader of Part 10 files, from Debian's `dcmtk` package,
 * installed with apt-get when missing and this process may (root, apt-get present).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const APT_GET = '/usr/bin/apt-get';
const INSTALL_TIMEOUT_MS = 4 * 60_000;

/** Undefined when dcmdump runs, else why it cannot. */
export async function ensureDcmtk(): Promise<string | undefined> {
  if (await runs()) return undefined;
  if (!existsSync(APT_GET) || process.getuid?.() !== 0) {
    return 'dcmdump is missing and cannot be installed here: apt-get install -y dcmtk';
  }
  const options = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: INSTALL_TIMEOUT_MS };
  const lock = '-oDPkg::Lock::Timeout=120';
  await run(APT_GET, ['-q', lock, 'update'], options).catch(() => undefined);
  try {
    await run(APT_GET, ['-q', '-y', lock, 'install', 'dcmtk'], options);
  } catch (error) {
    return `apt-get could not install dcmtk: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
  return (await runs()) ? undefined : 'apt-get succeeded but dcmdump does not run';
}

async function runs(): Promise<boolean> {
  try {
    await run('dcmdump', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** The text value of each `tag` (`gggg,eeee`, lower case) as dcmdump reads the file; it fails on a malformed file. */
export async function dcmdumpValues(file: Buffer, tags: readonly string[]): Promise<Map<string, string>> {
  const target = path.join(mkdtempSync(path.join(tmpdir(), 'dcmdump-')), 'file.dcm');
  writeFileSync(target, file);
  const { stdout } = await run('dcmdump', ['-E', '+L', target], { maxBuffer: 16 * 1024 * 1024 });
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^\(([0-9a-f]{4},[0-9a-f]{4})\) [A-Z]{2} \[([^\]]*)\]/.exec(line.trim());
    if (m && tags.includes(m[1] ?? '')) values.set(m[1] ?? '', m[2] ?? '');
  }
  return values;
}
