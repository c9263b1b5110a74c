/**
 * The addresses of a network namespace (IPv4 from fib_trie's local table,
 * IPv6 global addresses from if_inet6). They name our end of a UDP socket
 * bound to the wildcard and not connected: the kernel does not say which of
 * the host's addresses its datagrams used.
 *
 * A namespace is read through a process in it (/proc/<pid>/net/...): the
 * flow's own process, or any process found in it, or, for the namespace the
 * agent is scoped to, `nsenter --net=<file>` (the namespace may have no
 * process left once a short-lived client exited).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { LRUCache } from 'lru-cache';
import { ipv6FromBytes } from '../probe/ip-bytes.js';

/** Local (non-loopback) IPv4 addresses from the "Local:" table of fib_trie. */
export function ipv4FromFibTrie(text: string): string[] {
  const found: string[] = [];
  let inLocal = false;
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) inLocal = line.startsWith('Local:');
    const leaf = /\|-- (\d+\.\d+\.\d+\.\d+)/.exec(line);
    if (leaf) last = leaf[1];
    else if (inLocal && last && line.includes('/32 host LOCAL') && !last.startsWith('127.') && !found.includes(last)) found.push(last);
  }
  return found;
}

/** Global-scope IPv6 addresses from if_inet6 ("<32 hex> <ifindex> <plen> <scope> <flags> <name>"). */
export function ipv6FromIfInet6(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const [hex, , , scope] = line.trim().split(/\s+/);
    if (!hex || hex.length !== 32 || scope !== '00') continue;
    found.push(ipv6FromBytes(Buffer.from(hex, 'hex')));
  }
  return found;
}

export interface NetnsAddressList {
  v4: string[];
  v6: string[];
}

const NONE: NetnsAddressList = { v4: [], v6: [] };

function parse(fibTrie: string, ifInet6: string | null): NetnsAddressList {
  return { v4: ipv4FromFibTrie(fibTrie), v6: ifInet6 ? ipv6FromIfInet6(ifInet6) : [] };
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // IPv6 disabled, or the process exited
  }
}

export interface NetnsAddressesOptions {
  procRoot?: string;
  /** The namespace the agent is scoped to: readable even with no process in it. */
  scoped?: { ino: number; path: string };
}

export class NetnsAddresses {
  private readonly cache = new LRUCache<number, NetnsAddressList>({ max: 4096, ttl: 60_000 });
  private readonly procRoot: string;

  constructor(private readonly options: NetnsAddressesOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
  }

  /** The first address of the family in namespace `netnsIno`; `pid` is a process that was in it. */
  primary(netnsIno: number, pid: number, family: 4 | 6): string | null {
    let list = this.cache.get(netnsIno);
    if (!list) {
      list = this.viaPid(pid) ?? this.viaScopedFile(netnsIno) ?? this.viaAnyProcess(netnsIno) ?? NONE;
      this.cache.set(netnsIno, list, list === NONE ? { ttl: 10_000 } : {});
    }
    return (family === 4 ? list.v4[0] : list.v6[0]) ?? null;
  }

  private viaPid(pid: number): NetnsAddressList | null {
    if (pid <= 0) return null;
    const fib = readOptional(`${this.procRoot}/${pid}/net/fib_trie`);
    return fib === null ? null : parse(fib, readOptional(`${this.procRoot}/${pid}/net/if_inet6`));
  }

  private viaScopedFile(netnsIno: number): NetnsAddressList | null {
    const scoped = this.options.scoped;
    if (!scoped || scoped.ino !== netnsIno) return null;
    const read = (file: string) => {
      const result = spawnSync('nsenter', [`--net=${scoped.path}`, 'cat', file], { encoding: 'utf8', timeout: 5000 });
      return result.status === 0 ? result.stdout : null;
    };
    const fib = read('/proc/self/net/fib_trie');
    return fib === null ? null : parse(fib, read('/proc/self/net/if_inet6'));
  }

  /** Any process of the namespace will do (a walk over /proc, on a cache miss only). */
  private viaAnyProcess(netnsIno: number): NetnsAddressList | null {
    const wanted = `net:[${netnsIno}]`;
    for (const entry of readdirSync(this.procRoot)) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readlinkSync(`${this.procRoot}/${entry}/ns/net`) === wanted) {
          const found = this.viaPid(Number(entry));
          if (found) return found;
        }
      } catch {
        // gone, or not ours to look at
      }
    }
    return null;
  }
}
