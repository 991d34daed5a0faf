/**
 * Finds Orthanc and its DICOMweb plugin (Debian packages `orthanc`, `orthanc-dicomweb`), installing
 * them with apt-get when they are missing and this process may do so (root, apt-get present).
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ORTHANC_PACKAGES = ['orthanc', 'orthanc-dicomweb'] as const;
const BINARY_CANDIDATES = ['/usr/sbin/Orthanc', '/usr/bin/Orthanc'];
const PLUGIN_CANDIDATES = [
  '/usr/share/orthanc/plugins/libOrthancDicomWeb.so',
  '/usr/lib/orthanc/libOrthancDicomWeb.so',
];
const APT_GET = '/usr/bin/apt-get';
/** invoke-rc.d asks this script whether a package may start its service; exit 101 means "no". */
const POLICY_RC_D = '/usr/sbin/policy-rc.d';
const DENY_SERVICE_START = '#!/bin/sh\n# Written by the Orthanc client test while it installs packages.\nexit 101\n';
/** Waits for another apt/dpkg run (unattended upgrades) instead of failing at once. */
const DPKG_LOCK_TIMEOUT_S = 120;
/** apt-get update plus a ~3 MB download and unpack: seconds normally, minutes on a slow mirror. */
const INSTALL_TIMEOUT_MS = 4 * 60_000;
const OUTPUT_LIMIT = 16 * 1024 * 1024;

export interface OrthancInstallation {
  readonly binary: string;
  readonly plugin: string;
}

export type InstallOutcome =
  | { readonly kind: 'present'; readonly installation: OrthancInstallation }
  | { readonly kind: 'installed'; readonly installation: OrthancInstallation; readonly seconds: number }
  /** Nothing was tried: this process cannot install packages. */
  | { readonly kind: 'impossible'; readonly reason: string }
  /** apt-get ran and failed (no network, no such package, ...). */
  | { readonly kind: 'failed'; readonly reason: string };

export function findOrthanc(): OrthancInstallation | undefined {
  const binary = BINARY_CANDIDATES.find((file) => existsSync(file));
  const plugin = PLUGIN_CANDIDATES.find((file) => existsSync(file));
  return binary && plugin ? { binary, plugin } : undefined;
}

export async function ensureOrthanc(): Promise<InstallOutcome> {
  const found = findOrthanc();
  if (found) return { kind: 'present', installation: found };
  if (process.platform !== 'linux' || !existsSync(APT_GET)) {
    return { kind: 'impossible', reason: `Orthanc is not installed and there is no ${APT_GET} to install it` };
  }
  if (process.getuid?.() !== 0) {
    return {
      kind: 'impossible',
      reason: `Orthanc is not installed and installing it needs root: apt-get install -y ${ORTHANC_PACKAGES.join(' ')}`,
    };
  }
  const started = Date.now();
  try {
    await withServiceStartsDenied(aptInstall);
  } catch (error) {
    return { kind: 'failed', reason: `apt-get could not install Orthanc: ${describe(error)}` };
  }
  const installed = findOrthanc();
  if (!installed) return { kind: 'failed', reason: 'apt-get succeeded but the Orthanc binary or plugin is missing' };
  return { kind: 'installed', installation: installed, seconds: (Date.now() - started) / 1000 };
}

async function aptInstall(): Promise<void> {
  const options = {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: INSTALL_TIMEOUT_MS,
    maxBuffer: OUTPUT_LIMIT,
  };
  const lock = `-oDPkg::Lock::Timeout=${DPKG_LOCK_TIMEOUT_S}`;
  // One unreachable extra source fails `update` while Debian's lists may still have come in.
  const updateError = await run(APT_GET, ['-q', lock, 'update'], options).then(
    () => undefined,
    (error: unknown) => error,
  );
  try {
    await run(APT_GET, ['-q', '-y', lock, 'install', ...ORTHANC_PACKAGES], options);
  } catch (error) {
    throw updateError ? new Error(`${describe(updateError)}\nthen ${describe(error)}`) : error;
  }
}

/**
 * The package's scripts start Orthanc as a system service (port 8042, DICOM 4242) where an init
 * system runs; the test starts its own instead. An existing policy is left as it is.
 */
async function withServiceStartsDenied(action: () => Promise<void>): Promise<void> {
  if (existsSync(POLICY_RC_D)) return action();
  writeFileSync(POLICY_RC_D, DENY_SERVICE_START, { mode: 0o755 });
  try {
    await action();
  } finally {
    rmSync(POLICY_RC_D, { force: true });
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const stderr = (error as { stderr?: unknown }).stderr;
  const tail = typeof stderr === 'string' ? stderr.trim().split('\n').slice(-5).join('\n') : '';
  return tail ? `${error.message.split('\n')[0]}\n${tail}` : error.message;
}
