/**
 * The addresses of a network namespace, read through a process inside it
 * (/proc/<pid>/net/fib_trie for IPv4, /proc/<pid>/net/if_inet6 for IPv6).
 * Used to name the local address of a UDP socket bound to the wildcard that
 * has only received (the kernel does not say to which of our addresses).
 */
import { readFileSync } from 'node:fs';
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

export class NetnsAddresses {
  private readonly cache = new LRUCache<number, NetnsAddressList>({ max: 4096, ttl: 60_000 });

  constructor(private readonly procRoot = '/proc') {}

  /** The first address of the family in the namespace `netnsIno`, looked up via `pid` (a process in it). */
  primary(netnsIno: number, pid: number, family: 4 | 6): string | null {
    let list = this.cache.get(netnsIno);
    if (!list && pid > 0) {
      list = this.read(pid) ?? undefined;
      if (list) this.cache.set(netnsIno, list);
    }
    return (family === 4 ? list?.v4[0] : list?.v6[0]) ?? null;
  }

  private read(pid: number): NetnsAddressList | null {
    try {
      const v4 = ipv4FromFibTrie(readFileSync(`${this.procRoot}/${pid}/net/fib_trie`, 'utf8'));
      let v6: string[] = [];
      try {
        v6 = ipv6FromIfInet6(readFileSync(`${this.procRoot}/${pid}/net/if_inet6`, 'utf8'));
      } catch {
        // IPv6 disabled
      }
      return { v4, v6 };
    } catch {
      return null;
    }
  }
}
