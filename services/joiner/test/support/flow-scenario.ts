/**
 * Generates the ground truth of a cluster's conversations and the flow halves
 * the node agents would report for them: pod-to-pod, through a Service VIP
 * (DNAT), to and from the outside, loopback (same ports on several nodes),
 * IPv4 and IPv6, long-lived connections, reused client ports, agents that do
 * not report, dropped halves, clock skew at window edges and deliveries later
 * than the grace period. The truth is kept apart from the halves: tests judge
 * the joiner against it, never against the joiner's own key logic.
 */
import type { FlowHalf, Vantage } from '@flowmesh/lib';
import { NO_HALF_FACTS, Prng } from '@flowmesh/lib';

export const WINDOW_MS = 10_000;
export const EPOCH_MS = 1_763_700_000_000;

export interface EndContext {
  node: string;
  pid: number;
  process_name: string;
  cmdline: string;
  container_id: string | null;
}

export interface TrueEnd {
  ip: string;
  port: number;
  /** Null when the end is outside the cluster. */
  context: EndContext | null;
}

export type ConnectionKind = 'pod' | 'service' | 'external-server' | 'external-client' | 'loopback';

export interface TrueConnection {
  id: number;
  kind: ConnectionKind;
  protocol: number;
  client: TrueEnd;
  /** The server as it sees itself (a pod address behind a Service). */
  server: TrueEnd;
  /** What the client dialled: a Service VIP, or the server's own address. */
  dialled: { ip: string; port: number };
  /** Window starts each end reported (empty when its agent reports nothing or it is outside). */
  windows: Record<Vantage, number[]>;
}

export interface GeneratedHalf {
  half: FlowHalf;
  connection: TrueConnection;
  /** Wall-clock time the agent's record reaches Kafka. */
  producedAt: number;
  /** Delivered later than the grace period on purpose. */
  late: boolean;
}

export interface ScenarioOptions {
  seed: number;
  connections: number;
  /** Windows over which connections start. */
  spanWindows: number;
  skewWindows: number;
  graceMs: number;
  /** Probability that a half is delivered beyond the grace period. */
  lateProbability: number;
  /** Probability that one end's agent reports nothing at all. */
  silentAgentProbability: number;
  /** Probability that a single half is lost. */
  dropProbability: number;
}

export interface Scenario {
  options: ScenarioOptions;
  connections: TrueConnection[];
  /** In the order they reach Kafka. */
  halves: GeneratedHalf[];
}

const NODES = ['node-a', 'node-b', 'node-c', 'node-d', 'node-e', 'node-f'];
const PROCESSES = [
  { name: 'curl', cmdline: 'curl -s http://web/' },
  { name: 'nginx', cmdline: 'nginx: worker process' },
  { name: 'java', cmdline: 'java -jar /app/service.jar --password=***' },
  { name: 'envoy', cmdline: 'envoy -c /etc/envoy.yaml' },
  { name: 'redis-server', cmdline: 'redis-server *:6379' },
  { name: 'python3', cmdline: 'python3 worker.py' },
];

export const TEST_CLUSTER_CIDRS = ['10.0.0.0/8', 'fd00::/8'];
export const TEST_SERVICE_CIDRS = ['10.96.0.0/12', 'fd00:96::/112'];

class ScenarioBuilder {
  private readonly rng: Prng;
  private nextId = 0;
  private nextPort = 32768;
  private readonly loopbackPorts = new Map<string, number>();
  private readonly connections: TrueConnection[] = [];

  constructor(private readonly options: ScenarioOptions) {
    this.rng = new Prng(options.seed);
  }

  build(): Scenario {
    for (let i = 0; i < this.options.connections; i++) this.connections.push(this.connection());
    const halves = this.connections.flatMap((c) => this.halvesOf(c));
    halves.sort((a, b) => a.producedAt - b.producedAt);
    return { options: this.options, connections: this.connections, halves };
  }

  private context(node: string): EndContext {
    const process = this.rng.pick(PROCESSES);
    const inContainer = this.rng.chance(0.8);
    return {
      node,
      pid: this.rng.int(2, 4_000_000),
      process_name: process.name,
      cmdline: process.cmdline,
      container_id: inContainer ? this.rng.int(1, 2 ** 48).toString(16).padStart(64, '0') : null,
    };
  }

  private podAddress(node: number, v6: boolean): string {
    return v6 ? `fd00:244:${node}::${this.rng.int(1, 0xfffe).toString(16)}` : `10.244.${node}.${this.rng.int(2, 254)}`;
  }

  private serviceAddress(v6: boolean): string {
    return v6 ? `fd00:96::${this.rng.int(1, 0xfffe).toString(16)}` : `10.96.${this.rng.int(0, 15)}.${this.rng.int(1, 254)}`;
  }

  private externalAddress(v6: boolean): string {
    return v6 ? `2001:db8::${this.rng.int(1, 0xfffe).toString(16)}` : `93.184.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
  }

  private connection(): TrueConnection {
    const reuse = this.rng.chance(0.05) ? this.reusable() : undefined;
    if (reuse) return reuse;
    const roll = this.rng.next();
    const kind: ConnectionKind =
      roll < 0.35 ? 'pod' : roll < 0.65 ? 'service' : roll < 0.73 ? 'external-server' : roll < 0.8 ? 'external-client' : 'loopback';
    const v6 = this.rng.chance(0.2);
    const clientNode = this.rng.int(0, NODES.length - 1);
    const serverNode = kind === 'loopback' ? clientNode : this.rng.int(0, NODES.length - 1);
    const protocol = this.rng.chance(0.8) ? 6 : 17;
    const serverPort = this.rng.pick([80, 443, 5432, 6379, 8080, 53]);

    const client: TrueEnd =
      kind === 'external-client'
        ? { ip: this.externalAddress(v6), port: this.rng.int(1024, 65535), context: null }
        : kind === 'loopback'
          ? { ip: v6 ? '::1' : '127.0.0.1', port: this.loopbackPort(clientNode), context: this.context(NODES[clientNode]!) }
          : { ip: this.podAddress(clientNode, v6), port: this.nextPort++, context: this.context(NODES[clientNode]!) };
    const server: TrueEnd =
      kind === 'external-server'
        ? { ip: this.externalAddress(v6), port: serverPort, context: null }
        : kind === 'loopback'
          ? { ip: client.ip, port: serverPort, context: this.context(NODES[serverNode]!) }
          : { ip: this.podAddress(serverNode, v6), port: kind === 'service' ? 8000 + serverPort : serverPort, context: this.context(NODES[serverNode]!) };
    const dialled = kind === 'service' ? { ip: this.serviceAddress(v6), port: serverPort } : { ip: server.ip, port: server.port };
    const start = this.rng.int(0, this.options.spanWindows);
    return { id: this.nextId++, kind, protocol, client, server, dialled, windows: this.windows(client, server, start) };
  }

  /** Loopback client ports are numbered per node from the same base, so several nodes use the same ones at once. */
  private loopbackPort(node: number): number {
    const key = NODES[node]!;
    const used = this.loopbackPorts.get(key) ?? 0;
    this.loopbackPorts.set(key, used + 1);
    return 40000 + used;
  }

  /** The same client endpoint and server again, long after an earlier connection ended (ephemeral port reuse). */
  private reusable(): TrueConnection | undefined {
    const candidates = this.connections.filter((c) => c.kind === 'pod' || c.kind === 'service');
    if (!candidates.length) return undefined;
    const earlier = this.rng.pick(candidates);
    const lastWindow = Math.max(...earlier.windows.SRC, ...earlier.windows.DST, EPOCH_MS);
    // Far enough apart that no tolerance, skew or lateness can make the two meet.
    const gap = (2 * this.options.skewWindows + 6 + this.rng.int(0, 5)) * WINDOW_MS;
    if (this.connections.some((c) => c !== earlier && c.client.ip === earlier.client.ip && c.client.port === earlier.client.port && Math.min(...c.windows.SRC, ...c.windows.DST) > lastWindow)) {
      return undefined; // already reused once; keep it simple
    }
    const start = (lastWindow + gap - EPOCH_MS) / WINDOW_MS;
    return { ...earlier, id: this.nextId++, windows: this.windows(earlier.client, earlier.server, start) };
  }

  /** Windows each end reports: the same span, except skew at the edges and silent or external ends. */
  private windows(client: TrueEnd, server: TrueEnd, start: number): Record<Vantage, number[]> {
    const roll = this.rng.next();
    const length = roll < 0.6 ? 1 : roll < 0.85 ? this.rng.int(2, 5) : this.rng.int(6, 30);
    let serverStart = start;
    let serverEnd = start + length - 1;
    if (this.rng.chance(0.3)) {
      if (length === 1) {
        const shift = this.rng.int(-(this.options.skewWindows + 1), this.options.skewWindows + 1);
        serverStart += shift;
        serverEnd += shift;
      } else {
        serverStart += this.rng.int(-1, 1);
        serverEnd += this.rng.int(-1, 1);
      }
    }
    const span = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => EPOCH_MS + (from + i) * WINDOW_MS);
    const silent = this.rng.chance(this.options.silentAgentProbability) ? this.rng.pick<Vantage>(['SRC', 'DST']) : null;
    return {
      SRC: client.context && silent !== 'SRC' ? span(start, start + length - 1) : [],
      DST: server.context && silent !== 'DST' ? span(serverStart, serverEnd) : [],
    };
  }

  private halvesOf(connection: TrueConnection): GeneratedHalf[] {
    const result: GeneratedHalf[] = [];
    const agentDelay = this.rng.int(0, 800);
    for (const vantage of ['SRC', 'DST'] as const) {
      for (const window of connection.windows[vantage]) {
        if (this.rng.chance(this.options.dropProbability)) continue;
        const late = this.rng.chance(this.options.lateProbability);
        const delay = agentDelay + this.rng.int(0, 1500) + (late ? this.options.graceMs + this.rng.int(1, (this.options.skewWindows + 2) * WINDOW_MS) : 0);
        result.push({ half: this.half(connection, vantage, window), connection, producedAt: window + WINDOW_MS + delay, late });
      }
    }
    return result;
  }

  private half(connection: TrueConnection, vantage: Vantage, window: number): FlowHalf {
    const reporter = vantage === 'SRC' ? connection.client.context! : connection.server.context!;
    const server = vantage === 'SRC' ? connection.dialled : connection.server;
    const tcp = connection.protocol === 6;
    return {
      ...NO_HALF_FACTS,
      node: reporter.node,
      vantage,
      protocol: connection.protocol,
      client_ip: connection.client.ip,
      client_port: connection.client.port,
      server_ip: server.ip,
      server_port: server.port,
      window_start: window,
      window_end: window + WINDOW_MS,
      bytes_sent: this.rng.int(0, 1e7),
      bytes_received: this.rng.int(0, 1e7),
      packets_sent: this.rng.int(0, 1e4),
      packets_received: this.rng.int(0, 1e4),
      srtt_us: tcp ? this.rng.int(50, 90_000) : null,
      retransmits: tcp ? this.rng.int(0, 5) : null,
      opened: window === connection.windows[vantage][0],
      closed: window === connection.windows[vantage].at(-1),
      pid: reporter.pid,
      process_name: reporter.process_name,
      cmdline: reporter.cmdline,
      container_id: reporter.container_id,
      synthetic: true,
    };
  }
}

export function generateScenario(options: ScenarioOptions): Scenario {
  return new ScenarioBuilder(options).build();
}
