/**
 * What the eBPF source needs from the machine, checked before anything is
 * loaded so the operator reads one message naming everything that is missing.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { release } from 'node:os';

/** bpf_loop (5.17) is the newest kernel feature the probe uses. */
export const MIN_KERNEL: readonly [number, number] = [5, 17];

const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

export interface CapabilityProbe {
  kernelRelease?: string;
  statusText?: string | null;
  btfPath?: string;
  loaderPath: string;
  canRead?: (path: string) => boolean;
  canExecute?: (path: string) => boolean;
}

function fileAccess(mode: number) {
  return (path: string) => {
    try {
      accessSync(path, mode);
      return true;
    } catch {
      return false;
    }
  };
}

/** Effective capabilities from /proc/self/status ("CapEff:\t000001ffffffffff"). */
export function effectiveCapabilities(statusText: string): bigint {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(statusText)?.[1];
  return hex ? BigInt(`0x${hex}`) : 0n;
}

function hasCap(caps: bigint, cap: number): boolean {
  return (caps & (1n << BigInt(cap))) !== 0n;
}

export function parseKernelRelease(text: string): [number, number] | null {
  const match = /^(\d+)\.(\d+)/.exec(text);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** Every reason the probe cannot run here; empty when it can. */
export function probeProblems(probe: CapabilityProbe): string[] {
  const problems: string[] = [];
  const canRead = probe.canRead ?? fileAccess(constants.R_OK);
  const canExecute = probe.canExecute ?? fileAccess(constants.X_OK);

  let status = probe.statusText;
  if (status === undefined) {
    try {
      status = readFileSync('/proc/self/status', 'utf8');
    } catch {
      status = null;
    }
  }
  const caps = status ? effectiveCapabilities(status) : 0n;
  if (!hasCap(caps, CAP_SYS_ADMIN) && !(hasCap(caps, CAP_BPF) && hasCap(caps, CAP_PERFMON))) {
    problems.push('not root: loading eBPF needs root, or CAP_BPF with CAP_PERFMON (plus CAP_SYS_RESOURCE on kernels before 5.11)');
  }

  const kernelRelease = probe.kernelRelease ?? release();
  const version = parseKernelRelease(kernelRelease);
  const [minMajor, minMinor] = MIN_KERNEL;
  if (!version) problems.push(`kernel version unknown (${kernelRelease}); need ${minMajor}.${minMinor} or newer`);
  else if (version[0] < minMajor || (version[0] === minMajor && version[1] < minMinor)) {
    problems.push(`kernel too old: ${kernelRelease}, need ${minMajor}.${minMinor} or newer (BTF tracepoints, map iterators, bpf_loop)`);
  }

  const btf = probe.btfPath ?? '/sys/kernel/btf/vmlinux';
  if (!canRead(btf)) problems.push(`no BTF: ${btf} is missing (kernel built without CONFIG_DEBUG_INFO_BTF)`);

  if (!canExecute(probe.loaderPath)) problems.push(`probe not built: ${probe.loaderPath} is missing (run make -C bpf)`);
  return problems;
}
