/**
 * Synthetic flow halves for a simulated cluster, for demos and benchmarks
 * where eBPF is not available. Each conversation yields the halves both ends
 * would report: the client half names the Service VIP it dialled, the server
 * half the pod IP that answered, and both carry the same client endpoint (so
 * the same Kafka key). Calls to and from the internet have one half only.
 * Deterministic for a given seed and sequence of windows.
 */
import { NO_HALF_FACTS, PROTO_TCP, PROTO_UDP, type FlowHalf } from '@flowmesh/lib';
import type { ExportWindow } from '../window.js';
import { CALLS, ClusterModel, INTERNET_PEERS, type CallSpec, type SimPod } from './cluster-model.js';
import { Prng } from '@flowmesh/lib';

export interface SyntheticClusterOptions {
  /** @default 1 */
  seed?: number;
  /** Simulated nodes. @default 3 */
  nodes?: number;
  /** New conversations per second across the cluster. @default 20 */
  conversationsPerSecond?: number;
  /** Emit only the halves these nodes would report (default: every node's). */
  reportingNodes?: readonly string[];
}

interface End {
  ip: string;
  port: number;
  pod?: SimPod;
}

interface Conversation {
  protocol: 'tcp' | 'udp';
  client: End;
  /** The address the client dialled: a Service VIP, or the server itself. */
  dialled: { ip: string; port: number };
  server: End;
  call: CallSpec;
  windowsLeft: number;
  age: number;
  rttUs: number;
}

const MSS = 1448;

export class SyntheticCluster {
  readonly model: ClusterModel;
  private readonly prng: Prng;
  private readonly rate: number;
  private readonly reporting: Set<string> | null;
  private active: Conversation[] = [];
  private readonly clientEndpoints = new Set<string>();
  private carry = 0;

  constructor(options: SyntheticClusterOptions = {}) {
    this.prng = new Prng(options.seed ?? 1);
    this.model = new ClusterModel(options.nodes ?? 3, this.prng);
    this.rate = options.conversationsPerSecond ?? 20;
    this.reporting = options.reportingNodes ? new Set(options.reportingNodes) : null;
  }

  /** Conversations alive after the last window. */
  get activeConversations(): number {
    return this.active.length;
  }

  /** The halves of one export window (call once per window, in order). */
  halvesForWindow(window: ExportWindow): FlowHalf[] {
    const expected = (this.rate * (window.end - window.start)) / 1000 + this.carry;
    const count = Math.floor(expected);
    this.carry = expected - count;
    for (let i = 0; i < count; i++) this.start();

    const halves: FlowHalf[] = [];
    for (const conversation of this.active) halves.push(...this.report(conversation, window));
    this.retireFinished();
    return halves;
  }

  private start(): void {
    const call = this.prng.weighted(CALLS.map((c) => ({ weight: c.weight, value: c })));
    const server = this.serverEnd(call);
    const client = this.clientEnd(call);
    const service = this.model.services.get(call.server);
    const protocol = service?.protocol ?? 'tcp';
    const crossNode = !client.pod || !server.pod || client.pod.node !== server.pod.node;
    this.active.push({
      protocol,
      client,
      dialled: service && client.pod ? { ip: service.vip, port: service.port } : { ip: server.ip, port: server.port },
      server,
      call,
      windowsLeft: protocol === 'udp' ? 1 : this.prng.int(1, 6),
      age: 0,
      rttUs: Math.round(!client.pod || !server.pod ? this.prng.int(8_000, 60_000) : crossNode ? this.prng.int(200, 600) : this.prng.int(30, 90)),
    });
  }

  private serverEnd(call: CallSpec): End {
    if (call.server === 'internet') return { ip: this.prng.pick(INTERNET_PEERS), port: 443 };
    const service = this.model.services.get(call.server)!;
    const pod = this.prng.pick(service.pods);
    return { ip: pod.ip, port: service.targetPort, pod };
  }

  private clientEnd(call: CallSpec): End {
    const pod = call.client === 'internet' ? undefined : this.prng.pick(this.model.pods.get(call.client) ?? []);
    const ip = pod ? pod.ip : this.prng.pick(INTERNET_PEERS);
    // a fresh ephemeral port: two live conversations never share a client endpoint
    for (;;) {
      const port = this.prng.int(32768, 60999);
      const key = `${ip}|${port}`;
      if (this.clientEndpoints.has(key)) continue;
      this.clientEndpoints.add(key);
      return pod ? { ip, port, pod } : { ip, port };
    }
  }

  private report(c: Conversation, window: ExportWindow): FlowHalf[] {
    const tcp = c.protocol === 'tcp';
    const requests = tcp ? this.prng.int(1, 8) : 1;
    const request = Math.round(this.prng.jitter(c.call.requestBytes) * requests);
    const response = Math.round(this.prng.jitter(c.call.responseBytes) * requests);
    const opened = c.age === 0;
    const closed = tcp && c.windowsLeft === 1;
    // data segments, plus roughly one ACK per two segments received, SYN and FIN
    const segments = (bytes: number) => (tcp ? Math.ceil(bytes / MSS) : requests);
    const control = (tcp ? (opened ? 2 : 0) + (closed ? 2 : 0) : 0);
    const clientPackets = segments(request) + (tcp ? Math.ceil(segments(response) / 2) : 0) + control;
    const serverPackets = segments(response) + (tcp ? Math.ceil(segments(request) / 2) : 0) + control;
    const retransmits = tcp && c.rttUs > 150 && this.prng.next() < 0.03 ? 1 : 0;

    const common = {
      protocol: tcp ? PROTO_TCP : PROTO_UDP,
      client_ip: c.client.ip,
      client_port: c.client.port,
      window_start: window.start,
      window_end: window.end,
      srtt_us: tcp ? Math.round(this.prng.jitter(c.rttUs, 0.1)) : null,
      opened,
      closed,
      synthetic: true,
      ...NO_HALF_FACTS,
    };
    const halves: FlowHalf[] = [];
    if (c.client.pod && this.reports(c.client.pod)) {
      halves.push({
        ...common,
        ...podContext(c.client.pod),
        vantage: 'SRC',
        server_ip: c.dialled.ip,
        server_port: c.dialled.port,
        bytes_sent: request,
        bytes_received: response,
        packets_sent: clientPackets,
        packets_received: serverPackets,
        retransmits: tcp ? retransmits : null,
      });
    }
    if (c.server.pod && this.reports(c.server.pod)) {
      halves.push({
        ...common,
        ...podContext(c.server.pod),
        vantage: 'DST',
        server_ip: c.server.ip,
        server_port: c.server.port,
        bytes_sent: response,
        bytes_received: request,
        packets_sent: serverPackets,
        packets_received: clientPackets,
        retransmits: tcp ? 0 : null,
      });
    }
    c.age++;
    c.windowsLeft--;
    return halves;
  }

  private reports(pod: SimPod): boolean {
    return this.reporting === null || this.reporting.has(pod.node.name);
  }

  private retireFinished(): void {
    this.active = this.active.filter((c) => {
      if (c.windowsLeft > 0) return true;
      this.clientEndpoints.delete(`${c.client.ip}|${c.client.port}`);
      return false;
    });
  }
}

function podContext(pod: SimPod) {
  return { node: pod.node.name, pid: pod.pid, process_name: pod.processName, cmdline: pod.cmdline, container_id: pod.containerId };
}
