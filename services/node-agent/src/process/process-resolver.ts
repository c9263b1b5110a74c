/**
 * Process context for a flow: name, redacted command line and container id of
 * the pid the probe reported, cached per pid (lru-cache, with a TTL because
 * pids are reused and processes rename themselves).
 */
import { LRUCache } from 'lru-cache';
import { containerIdFromCgroup } from './container-id.js';
import type { CgroupPaths } from './cgroup-paths.js';
import { readProcessInfo, type ProcessInfo } from './proc-reader.js';
import type { Redactor } from './redact.js';

export interface ProcessContext {
  pid: number;
  name: string;
  cmdline: string;
  containerId: string | null;
}

/** What the probe itself knows about the socket's user, for processes already gone. */
export interface KernelOwner {
  pid: number;
  comm: string;
  cgroupId: number;
}

export interface ProcessResolverOptions {
  redact: Redactor;
  procRoot?: string;
  cgroupPaths?: CgroupPaths;
  maxEntries?: number;
  ttlMs?: number;
  read?: (pid: number, procRoot: string) => ProcessInfo | null;
  /** Called per lookup: answered from cache, from /proc, or from the probe (process gone). */
  onLookup?: (result: 'cached' | 'proc' | 'exited') => void;
}

export class ProcessResolver {
  private readonly cache: LRUCache<number, ProcessContext>;
  private readonly read: (pid: number, procRoot: string) => ProcessInfo | null;
  private readonly procRoot: string;

  constructor(private readonly options: ProcessResolverOptions) {
    this.cache = new LRUCache({ max: options.maxEntries ?? 16_384, ttl: options.ttlMs ?? 60_000 });
    this.read = options.read ?? readProcessInfo;
    this.procRoot = options.procRoot ?? '/proc';
  }

  resolve(owner: KernelOwner): ProcessContext {
    const cached = owner.pid === 0 ? undefined : this.cache.get(owner.pid);
    if (cached) {
      this.options.onLookup?.('cached');
      return cached;
    }
    const info = owner.pid === 0 ? null : this.read(owner.pid, this.procRoot);
    this.options.onLookup?.(info ? 'proc' : 'exited');
    if (!info) {
      // gone (or never known: pid 0): the probe's comm and cgroup are all that is left;
      // not cached, the pid may be reused
      return { pid: owner.pid, name: owner.comm, cmdline: owner.comm, containerId: this.containerOfCgroup(owner.cgroupId) };
    }
    const context = { pid: owner.pid, name: info.name, cmdline: this.options.redact(info.cmdline), containerId: info.containerId };
    this.cache.set(owner.pid, context);
    return context;
  }

  private containerOfCgroup(cgroupId: number): string | null {
    const path = this.options.cgroupPaths?.pathOf(cgroupId);
    return path ? containerIdFromCgroup(`0::${path}`) : null;
  }
}
