/**
 * Probe rounds: every interval plus a random 50–500 ms jitter, the UDP and
 * TCP tests against every current target (all at once, as kconmon does) and
 * the DNS tests. A result for a target that left the selection while its
 * test ran is dropped: a node on its way out must not count as a failure.
 */
import type { Resolver } from 'node:dns/promises';
import { dnsResolver, dnsTest } from './dns-probe.js';
import type { ProbeEvent } from './probe-events.js';
import type { PeerSelection, ProbeTarget } from './peers.js';
import { tcpTest } from './tcp-probe.js';
import { UdpProber } from './udp-probe.js';

export interface ProberSettings {
  port: number;
  intervalMs: number;
  udpPackets: number;
  udpTimeoutMs: number;
  tcpTimeoutMs: number;
  dnsNames: string[];
  /** Empty: the system resolvers. */
  dnsResolvers: string[];
  dnsTimeoutMs: number;
}

export const JITTER_MIN_MS = 50;
export const JITTER_MAX_MS = 500;

export class Prober {
  private readonly udp = new UdpProber();
  private readonly resolvers: { label: string; resolver: Resolver }[];
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly settings: ProberSettings,
    /** The current selection, asked at the start of each round and when a result comes in. */
    private readonly selection: () => PeerSelection,
    private readonly emit: (event: ProbeEvent) => void,
  ) {
    const servers = settings.dnsResolvers.length ? settings.dnsResolvers : [null];
    this.resolvers = servers.map((server) => ({ label: server ?? 'system', resolver: dnsResolver(server, settings.dnsTimeoutMs) }));
  }

  start(): void {
    this.schedule(JITTER_MIN_MS + Math.random() * (JITTER_MAX_MS - JITTER_MIN_MS));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
    this.udp.close();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = performance.now();
      this.round = this.runRound().finally(() => {
        this.round = null;
        const elapsed = performance.now() - started;
        this.emit({ type: 'round', durationMs: elapsed });
        // the interval is from round start to round start, as long as a round fits in it
        this.schedule(Math.max(0, this.settings.intervalMs - elapsed) + JITTER_MIN_MS + Math.random() * (JITTER_MAX_MS - JITTER_MIN_MS));
      });
    }, delayMs);
  }

  /** One round; exported for tests through `runOnce`. */
  async runRound(): Promise<void> {
    const { self, targets } = this.selection();
    const still = (target: ProbeTarget) => this.selection().targets.some((t) => t.node === target.node && t.address === target.address);
    const { port, udpPackets, udpTimeoutMs, tcpTimeoutMs } = this.settings;
    await Promise.all([
      ...targets.map(async (destination) => {
        const result = await this.udp.test(destination.address, port, { packets: udpPackets, timeoutMs: udpTimeoutMs });
        if (!this.stopped && still(destination)) this.emit({ type: 'udp', source: self, destination, result });
      }),
      ...targets.map(async (destination) => {
        const result = await tcpTest(destination.address, port, tcpTimeoutMs);
        if (!this.stopped && still(destination)) this.emit({ type: 'tcp', source: self, destination, result });
      }),
      ...this.settings.dnsNames.flatMap((name) =>
        this.resolvers.map(async ({ label, resolver }) => {
          const result = await dnsTest(resolver, name);
          if (!this.stopped) this.emit({ type: 'dns', source: self, resolver: label, name, result });
        }),
      ),
    ]);
  }
}
