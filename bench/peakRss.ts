import { readFileSync } from 'node:fs';

/**
 * This process's own peak resident memory in MiB: VmHWM from /proc/self/status, where Linux has it. Not
 * process.resourceUsage().maxRSS: Linux carries ru_maxrss across exec, so a child spawned by a large process reports
 * its parent's RSS at fork time (an idle 39 MiB child of a 640 MiB parent says 604 MiB). VmHWM belongs to the
 * memory of the running program only. Elsewhere maxRSS is the best there is.
 */
export function peakRssMiB(status: string | undefined = procStatus()): number {
  const kB = status === undefined ? undefined : /^VmHWM:\s*(\d+)\s*kB$/m.exec(status)?.[1];
  return kB !== undefined ? Number(kB) / 1024 : process.resourceUsage().maxRSS / 1024;
}

function procStatus(): string | undefined {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
}
