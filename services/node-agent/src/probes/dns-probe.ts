/** The DNS test: an A-record lookup of a name against one resolver, timed; it passes when at least one address comes back. */
import { Resolver } from 'node:dns/promises';

export interface DnsTestResult {
  ok: boolean;
  durationMs: number;
  addresses: string[];
  error?: string;
}

/** Resolver for `server` (ip or ip:port; null: the system's), one try per query so the duration is one query's. */
export function dnsResolver(server: string | null, timeoutMs: number): Resolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (server) resolver.setServers([server]);
  return resolver;
}

export async function dnsTest(resolver: Resolver, name: string): Promise<DnsTestResult> {
  const started = performance.now();
  try {
    const addresses = await resolver.resolve4(name);
    return { ok: addresses.length > 0, durationMs: performance.now() - started, addresses };
  } catch (error) {
    return { ok: false, durationMs: performance.now() - started, addresses: [], error: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
}
