/** Reads what the agent reports about a process from procfs. */
import { readFileSync } from 'node:fs';
import { containerIdFromCgroup } from './container-id.js';

export interface ProcessInfo {
  pid: number;
  /** /proc/<pid>/comm: the name the process goes by (15 chars at most). */
  name: string;
  /** Arguments joined by spaces, not yet redacted; "[name]" for kernel threads. */
  cmdline: string;
  containerId: string | null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process exited, or we may not look
  }
}

/** Null when the process is gone. procRoot: the host's /proc (a DaemonSet mounts it elsewhere). */
export function readProcessInfo(pid: number, procRoot = '/proc'): ProcessInfo | null {
  const comm = readText(`${procRoot}/${pid}/comm`);
  if (comm === null) return null;
  const name = comm.replace(/\n$/, '');
  const rawCmdline = readText(`${procRoot}/${pid}/cmdline`) ?? '';
  const cmdline = rawCmdline.replace(/\0+$/, '').split('\0').join(' ');
  const cgroup = readText(`${procRoot}/${pid}/cgroup`);
  return {
    pid,
    name,
    cmdline: cmdline || `[${name}]`,
    containerId: cgroup === null ? null : containerIdFromCgroup(cgroup),
  };
}
