/**
 * The real collectors from Debian, run as child processes on loopback for the
 * tests: a tshark capture (decoded later by its CFLOW/IPFIX dissector), nfcapd
 * (read back with nfdump), pmacct's nfacctd (print plugin, JSON), and a TCP
 * collector that hands every message it reads on to nfcapd.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

export async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Stops a child with `signal`, SIGKILL after a deadline; kills what is left of its process group too. */
async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

function collectOutput(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => (text = (text + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

/** tshark capturing UDP to `port` on loopback into `file`, ready once it says it captures. */
export async function startCapture(file: string, filter: string): Promise<{ stop(): Promise<void> }> {
  const child = spawn('tshark', ['-i', 'lo', '-f', filter, '-w', file, '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collectOutput(child);
  await until(() => /Capturing on/.test(output()) || child.exitCode !== null, 'tshark to start capturing', 30_000);
  if (child.exitCode !== null) throw new Error(`tshark exited: ${output()}`);
  return {
    async stop() {
      // Let the last packets reach the capture file before it closes.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await stopProcess(child, 'SIGINT');
    },
  };
}

/** One data record as tshark's IPFIX dissector shows it. */
export interface TsharkFlow {
  fields: Map<string, string[]>;
  /** Enterprise elements by id, as text (tshark shows their bytes). */
  enterprise: Map<number, Buffer>;
}

const unescapeXml = (text: string) => text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/**
 * Decodes a capture with tshark (`udp` or `tcp` port decoded as CFLOW) and returns every data
 * record. Read from PDML: its `value` carries an enterprise element's bytes whole, where the
 * text view cuts long ones short.
 */
export function tsharkFlows(file: string, decodeAs: string): { flows: TsharkFlow[]; text: string } {
  const result = spawnSync('tshark', ['-r', file, '-d', decodeAs, '-T', 'pdml'], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`tshark -r failed: ${result.stderr}`);
  const flows: TsharkFlow[] = [];
  let current: TsharkFlow | null = null;
  for (const line of result.stdout.split('\n')) {
    if (/<field name="" show="Flow \d+"/.test(line)) {
      current = { fields: new Map(), enterprise: new Map() };
      flows.push(current);
      continue;
    }
    if (/<packet>|show="Set \d+|<proto name=/.test(line)) {
      current = null;
      continue;
    }
    if (!current) continue;
    const enterprise = /name="cflow\.enterprise_private_entry" showname="[^"]* Type (\d+): [^"]*"[^>]* value="([0-9a-f]*)"/.exec(line);
    if (enterprise) {
      current.enterprise.set(Number(enterprise[1]), Buffer.from(enterprise[2]!, 'hex'));
      continue;
    }
    const field = /<field name="cflow\.[^"]+" showname="([A-Za-z][\w ]*?): ([^"]*)"/.exec(line);
    if (field) current.fields.set(field[1]!, [...(current.fields.get(field[1]!) ?? []), unescapeXml(field[2]!)]);
  }
  return { flows, text: result.stdout };
}

/** Sizes of the UDP payloads in a capture (one IPFIX message each). */
export function capturedUdpPayloadSizes(file: string): number[] {
  const result = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'udp.length'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return result.stdout.split('\n').filter(Boolean).map((n) => Number(n) - 8);
}

export interface Nfcapd {
  port: number;
  /** Stops nfcapd (which writes its file) and lists the flows with nfdump. */
  stopAndRead(): Promise<NfdumpFlow[]>;
}

export interface NfdumpFlow {
  /** First and last seen, ms since the epoch. */
  start: number;
  end: number;
  proto: string;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  packets: number;
  bytes: number;
  outPackets: number;
  outBytes: number;
}

export async function startNfcapd(dir: string, port: number): Promise<Nfcapd> {
  const child = spawn('nfcapd', ['-w', dir, '-p', String(port), '-b', '127.0.0.1', '-t', '3600', '-B', String(8 * 1024 * 1024)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collectOutput(child);
  await until(() => /Startup nfcapd/.test(output()) || child.exitCode !== null, 'nfcapd to start', 30_000);
  if (child.exitCode !== null) throw new Error(`nfcapd exited: ${output()}`);
  return {
    port,
    async stopAndRead() {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await stopProcess(child, 'SIGTERM');
      const files = readdirSync(dir).filter((f) => f.startsWith('nfcapd.') && !f.includes('current'));
      if (!files.length) throw new Error(`nfcapd wrote no file: ${output()}`);
      // %ts/%te in UTC (nfdump 1.7.1's %ter prints a wrong fraction of the second).
      const result = spawnSync('nfdump', ['-R', dir, '-q', '-N', '-o', 'fmt:%ts|%te|%pr|%sa|%sp|%da|%dp|%pkt|%byt|%opkt|%obyt'], {
        encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, TZ: 'UTC' },
      });
      if (result.status !== 0) throw new Error(`nfdump failed: ${result.stderr}`);
      return result.stdout
        .split('\n')
        .filter((line) => line.includes('|'))
        .map((line) => {
          const [start, end, proto, srcAddr, srcPort, dstAddr, dstPort, packets, bytes, outPackets, outBytes] = line.split('|').map((s) => s.trim());
          const time = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);
          return {
            start: time(start!), end: time(end!), proto: proto!, srcAddr: srcAddr!, srcPort: Number(srcPort), dstAddr: dstAddr!, dstPort: Number(dstPort),
            packets: Number(packets), bytes: Number(bytes), outPackets: Number(outPackets), outBytes: Number(outBytes),
          };
        });
    },
  };
}

export interface Nfacctd {
  /** The JSON lines nfacctd's print plugin wrote so far. */
  records(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** nfacctd with the shipped primitives file, aggregating on `primitives` and printing JSON every second. */
export async function startNfacctd(dir: string, port: number, primitivesFile: string, primitives: readonly string[]): Promise<Nfacctd> {
  const outFile = join(dir, 'flows.json');
  const config = join(dir, 'nfacctd.conf');
  writeFileSync(
    config,
    [
      'daemonize: false',
      'nfacctd_ip: 127.0.0.1',
      `nfacctd_port: ${port}`,
      `aggregate_primitives: ${primitivesFile}`,
      'plugins: print[out]',
      `aggregate[out]: ${primitives.join(', ')}`,
      'print_output[out]: json',
      `print_output_file[out]: ${outFile}`,
      'print_output_file_append[out]: true',
      'print_refresh_time[out]: 1',
      '',
    ].join('\n'),
  );
  // Its own process group: the print plugin is a forked child that must go with it.
  const child = spawn('nfacctd', ['-f', config], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const output = collectOutput(child);
  await until(() => /waiting for NetFlow\/IPFIX data|Purging cache/i.test(output()) || child.exitCode !== null, 'nfacctd to start', 30_000);
  if (child.exitCode !== null) throw new Error(`nfacctd exited: ${output()}`);
  return {
    records() {
      if (!existsSync(outFile)) return [];
      return readFileSync(outFile, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async stop() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

/**
 * A TCP IPFIX collector that can be stopped and started again on its port: it
 * frames the stream by the message header's length and forwards every message
 * to nfcapd over loopback UDP, so nfdump counts what it read. It also notes
 * the first set of each connection (templates come first).
 */
export class TcpToNfcapd {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly udp = createSocket('udp4');
  readonly firstSetIds: number[] = [];
  messages = 0;

  constructor(readonly port: number, private readonly nfcapdPort: number) {}

  async start(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Stops like a collector that goes away: stops listening and drops its connections. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.stop();
    this.udp.close();
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    let first = true;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 16) {
        const length = pending.readUInt16BE(2);
        if (pending.length < length) break;
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        if (first) {
          this.firstSetIds.push(message.readUInt16BE(16));
          first = false;
        }
        this.messages++;
        this.udp.send(Buffer.from(message), this.nfcapdPort, '127.0.0.1');
      }
    });
  }
}
