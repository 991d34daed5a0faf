/**
 * pydicom with Pillow (OpenJPEG) as an independent reference decoder, from Debian's packages
 * (python3-pydicom, python3-pil, python3-numpy), installed with apt-get when missing and this
 * process may (root, apt-get present). Used where DCMTK has no decoder: JPEG 2000.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const APT_GET = '/usr/bin/apt-get';
export const PYDICOM_PACKAGES = ['python3-pydicom', 'python3-pil', 'python3-numpy'] as const;
const INSTALL_TIMEOUT_MS = 4 * 60_000;

/** Undefined when the reference decoder is ready, else why it is not. */
export async function ensurePydicom(): Promise<string | undefined> {
  if (await importable()) return undefined;
  if (!existsSync(APT_GET) || process.getuid?.() !== 0) {
    return `pydicom is missing and cannot be installed here: apt-get install -y ${PYDICOM_PACKAGES.join(' ')}`;
  }
  const options = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: INSTALL_TIMEOUT_MS };
  const lock = '-oDPkg::Lock::Timeout=120';
  await run(APT_GET, ['-q', lock, 'update'], options).catch(() => undefined);
  try {
    await run(APT_GET, ['-q', '-y', lock, 'install', ...PYDICOM_PACKAGES], options);
  } catch (error) {
    return `apt-get could not install pydicom: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
  return (await importable()) ? undefined : 'apt-get succeeded but pydicom does not import';
}

async function importable(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  try {
    await run(PYTHON, ['-c', 'import pydicom, PIL, numpy']);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pixel values of every frame of a Part 10 file as pydicom decodes them, as little endian
 * bytes of the file's own sample type, frames in order.
 */
export async function pydicomPixels(path: string): Promise<Buffer> {
  const script = [
    'import sys, warnings, pydicom',
    'warnings.simplefilter("ignore")',
    'a = pydicom.dcmread(sys.argv[1]).pixel_array',
    'sys.stdout.buffer.write(a.astype(a.dtype.newbyteorder("<")).tobytes())',
  ].join('\n');
  const { stdout } = await run(PYTHON, ['-c', script, path], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** The samples of a JPEG 2000 code stream as Pillow (OpenJPEG) decodes it, row by row. */
export async function pillowJ2kSamples(path: string): Promise<Buffer> {
  const script = [
    'import sys',
    'from PIL import Image',
    'sys.stdout.buffer.write(Image.open(sys.argv[1]).tobytes())',
  ].join('\n');
  const { stdout } = await run(PYTHON, ['-c', script, path], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}
