/**
 * "Nodes" for the probe tests and benchmark: one network namespace per node,
 * each joined by a veth pair to a router namespace that forwards between
 * them, so every node pair has a path through one place where faults can be
 * injected. Namespaces and tables carry the `i21` prefix and a run tag so
 * concurrent runs never clash. Loopback ports (broker, Redis, an agent's
 * /metrics) are joined across namespaces over UNIX sockets (loopback-bridge.mjs).
 *
 * Faults, made honestly without netem (not in our kernels):
 *  - loss: an nftables rule in the router drops a share of one direction's
 *    packets (`numgen random mod 100 < N drop`), so a round trip loses N %;
 *  - delay: policy routing sends the pair's packets, both directions, into a
 *    TUN device in the router, where tun-delay.py holds each packet for the
 *    given time before handing it back to be forwarded on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { type Child, startChild } from '@flowmesh/lib';

const HERE = fileURLToPath(new URL('./', import.meta.url));
const TUN = 'i21delay';
const DELAY_TABLE = '221';

export interface FabricNode {
  name: string;
  /** The namespace's name (`ip netns exec`). */
  netns: string;
  ip: string;
  /** The router's interface towards this node. */
  routerPort: string;
}

function sh(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')}: ${stderr.trim() || (error as Error).message}`);
  }
}

export class ProbeFabric {
  readonly router: string;
  readonly nodes: FabricNode[] = [];
  /** Where the UNIX sockets of the loopback bridges live. */
  readonly socketDir: string;
  private readonly children: Child[] = [];
  private readonly servers: Server[] = [];
  private delay: Child | null = null;
  private readonly bridges = new Map<string, Map<number, string>>();

  constructor(readonly tag: string) {
    this.router = `i21${tag}-rt`;
    this.socketDir = `/tmp/i21${tag}-sockets`;
  }

  /** Creates the router; nodes are added with addNode. Call destroy() in a finally. */
  static create(tag: string): ProbeFabric {
    const fabric = new ProbeFabric(tag);
    fabric.removeNamespaces(); // leftovers of a killed run with the same tag
    mkdirSync(fabric.socketDir, { recursive: true });
    sh('ip', ['netns', 'add', fabric.router]);
    fabric.inRouter('sysctl', '-qw', 'net.ipv4.ip_forward=1');
    fabric.inRouter('sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0');
    fabric.inRouter('sysctl', '-qw', 'net.ipv4.conf.default.rp_filter=0');
    sh('ip', ['-n', fabric.router, 'link', 'set', 'lo', 'up']);
    return fabric;
  }

  addNode(name: string): FabricNode {
    const index = this.nodes.length + 1;
    const node: FabricNode = { name, netns: `i21${this.tag}-n${index}`, ip: `10.221.${index}.2`, routerPort: `r${index}` };
    sh('ip', ['netns', 'add', node.netns]);
    sh('ip', ['link', 'add', 'name', node.routerPort, 'netns', this.router, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
    sh('ip', ['-n', this.router, 'addr', 'add', `10.221.${index}.1/24`, 'dev', node.routerPort]);
    sh('ip', ['-n', this.router, 'link', 'set', node.routerPort, 'up']);
    sh('ip', ['-n', node.netns, 'addr', 'add', `${node.ip}/24`, 'dev', 'eth0']);
    sh('ip', ['-n', node.netns, 'link', 'set', 'eth0', 'up']);
    sh('ip', ['-n', node.netns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', node.netns, 'route', 'add', 'default', 'via', `10.221.${index}.1`]);
    this.nodes.push(node);
    return node;
  }

  /** More addresses on a node (e.g. to stand for many peers behind one responder). */
  addAddresses(node: FabricNode, ips: string[]): void {
    for (const ip of ips) sh('ip', ['-n', node.netns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  }

  node(name: string): FabricNode {
    const found = this.nodes.find((n) => n.name === name);
    if (!found) throw new Error(`no node ${name}`);
    return found;
  }

  /** The router's address on a node's link (reachable from that node; other nodes route to it too). */
  routerAddress(node: FabricNode): string {
    return node.ip.replace(/\.2$/, '.1');
  }

  inRouter(...command: string[]): string {
    return sh('ip', ['netns', 'exec', this.router, ...command]);
  }

  /**
   * Makes host loopback ports reachable on the same port numbers inside a
   * node's namespace, and the node's `exposed` loopback ports reachable from
   * here as UNIX sockets (returned by port).
   */
  async bridge(node: FabricNode, hostPorts: number[], exposed: number[] = []): Promise<Map<number, string>> {
    // once per node: an agent restarted on it finds its ports bridged already
    const existing = this.bridges.get(node.netns);
    if (existing) return existing;
    const specs: string[] = [];
    for (const port of hostPorts) {
      const path = `${this.socketDir}/host-${port}.sock`;
      if (!this.servers.some((s) => s.address() === path)) await this.listenHost(path, port);
      specs.push(`tcp:${port}=unix:${path}`);
    }
    const sockets = new Map<number, string>();
    for (const port of exposed) {
      const path = `${this.socketDir}/${node.name}-${port}.sock`;
      specs.push(`unix:${path}=tcp:${port}`);
      sockets.set(port, path);
    }
    const child = this.spawnIn(node.netns, process.execPath, [`${HERE}loopback-bridge.mjs`, ...specs]);
    await child.waitForLine(/^BRIDGE-READY$/);
    this.bridges.set(node.netns, sockets);
    return sockets;
  }

  /** A process in a namespace, stopped by destroy() unless stopped before. */
  spawnIn(netns: string, command: string, args: string[]): Child {
    const child = startChild('ip', ['netns', 'exec', netns, command, ...args]);
    child.process.once('error', () => undefined);
    this.children.push(child);
    return child;
  }

  /** Adds `delayMs` each way and `lossPercent` to the round trip between two nodes. */
  async injectFault(a: FabricNode, b: FabricNode, delayMs: number, lossPercent: number): Promise<void> {
    if (!this.delay) {
      this.inRouter('ip', 'tuntap', 'add', 'dev', TUN, 'mode', 'tun');
      this.inRouter('sysctl', '-qw', `net.ipv4.conf.${TUN}.rp_filter=0`);
      // real-time priority so the delay stays the delay when the machine is busy (chrt: util-linux)
      this.delay = this.spawnIn(this.router, 'chrt', ['-f', '50', 'python3', `${HERE}tun-delay.py`, TUN, String(delayMs)]);
      await this.delay.waitForLine(/^READY$/);
      this.inRouter('ip', 'link', 'set', TUN, 'up');
      this.inRouter('ip', 'route', 'add', 'default', 'dev', TUN, 'table', DELAY_TABLE);
    }
    // only packets arriving from the nodes go to the delay device; what comes back out of it is forwarded normally
    this.inRouter('ip', 'rule', 'add', 'iif', a.routerPort, 'from', a.ip, 'to', b.ip, 'lookup', DELAY_TABLE, 'priority', '100');
    this.inRouter('ip', 'rule', 'add', 'iif', b.routerPort, 'from', b.ip, 'to', a.ip, 'lookup', DELAY_TABLE, 'priority', '101');
    // one direction only, on its first pass (from the node's port), so a round trip loses lossPercent, not twice that
    this.inRouter('nft', 'add', 'table', 'ip', 'i21fault');
    this.inRouter('nft', 'add chain ip i21fault forward { type filter hook forward priority 0; }');
    this.inRouter('nft', 'add', 'rule', 'ip', 'i21fault', 'forward', 'iifname', a.routerPort, 'ip', 'saddr', a.ip, 'ip', 'daddr', b.ip, 'numgen', 'random', 'mod', '100', '<', String(lossPercent), 'drop');
  }

  async clearFault(): Promise<void> {
    for (const priority of ['100', '101']) {
      try {
        this.inRouter('ip', 'rule', 'del', 'priority', priority);
      } catch {
        // not there
      }
    }
    try {
      this.inRouter('nft', 'delete', 'table', 'ip', 'i21fault');
    } catch {
      // not there
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.children.map((child) => child.stop('SIGTERM', 3000).catch(() => undefined)));
    for (const server of this.servers) server.close();
    this.removeNamespaces();
    rmSync(this.socketDir, { recursive: true, force: true });
  }

  private removeNamespaces(): void {
    const names = sh('ip', ['netns', 'list'])
      .split('\n')
      .map((line) => line.split(' ')[0]!)
      .filter((name) => name.startsWith(`i21${this.tag}-`));
    for (const name of names) {
      try {
        sh('ip', ['netns', 'del', name]);
      } catch {
        // already gone
      }
    }
  }

  private listenHost(path: string, port: number): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port });
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const socket of [client, upstream]) {
        socket.on('error', close);
        socket.on('close', close);
      }
    });
    this.servers.push(server);
    rmSync(path, { force: true });
    return new Promise((resolve) => server.listen(path, resolve));
  }
}

/** GET over a UNIX socket (an agent's /metrics through its bridge). */
export function getUnix(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
