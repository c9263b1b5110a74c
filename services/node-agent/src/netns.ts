/** `--netns`: a namespace file (/var/run/netns/NAME, /proc/PID/ns/net) or a pid whose namespace to watch. */
import { statSync } from 'node:fs';

export function netnsPath(value: string, procRoot = '/proc'): string {
  return /^\d+$/.test(value) ? `${procRoot}/${value}/ns/net` : value;
}

/** A problem with the value, or null when it names a namespace. */
export function netnsProblem(value: string, procRoot = '/proc'): string | null {
  const path = netnsPath(value, procRoot);
  try {
    statSync(path);
    return null;
  } catch (error) {
    return `--netns ${value}: ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}
