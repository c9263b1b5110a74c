/**
 * Runs bpf/.output/flowprobe-loader as a child process and turns its binary
 * stdout into drains: write "drain\n", collect flow records up to the
 * DRAIN_END record. The loader dies with us (PR_SET_PDEATHSIG).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { projectPath } from '@flowmesh/lib';
import { ABI_VERSION } from './layout.js';
import { RecordSplitter, type DrainEnd, type ProbeFlow, type ProbeHello, type ProbeRecord } from './records.js';

export const DEFAULT_LOADER_PATH = projectPath('bpf/.output/flowprobe-loader');

export interface ProbeLoaderOptions {
  loaderPath?: string;
  /** Network namespace file (/var/run/netns/X, /proc/PID/ns/net); absent = every namespace. */
  netnsPath?: string;
  tcpMaxEntries?: number;
  udpMaxEntries?: number;
  udpIdleMs?: number;
  /** The sys_exit hook that resolves the peers of unconnected UDP sockets. */
  udpPeer?: boolean;
  startTimeoutMs?: number;
}

export interface Drain {
  flows: ProbeFlow[];
  end: DrainEnd;
}

export class ProbeLoaderError extends Error {
  override name = 'ProbeLoaderError';
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(stderr.trim() ? `${message}\n${stderr.trim()}` : message);
  }
}

function loaderArgs(options: ProbeLoaderOptions): string[] {
  const args: string[] = [];
  if (options.netnsPath) args.push('--netns', options.netnsPath);
  if (options.tcpMaxEntries !== undefined) args.push('--tcp-max', String(options.tcpMaxEntries));
  if (options.udpMaxEntries !== undefined) args.push('--udp-max', String(options.udpMaxEntries));
  if (options.udpIdleMs !== undefined) args.push('--udp-idle-ms', String(options.udpIdleMs));
  if (options.udpPeer === false) args.push('--no-udp-peer');
  return args;
}

interface PendingDrain {
  flows: ProbeFlow[];
  resolve(drain: Drain): void;
  reject(error: Error): void;
}

export class ProbeLoader {
  private readonly splitter = new RecordSplitter();
  private stderr = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private pending: PendingDrain | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private onHello: ((hello: ProbeHello) => void) | undefined;
  private onFailure: ((error: Error) => void) | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly command: string,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
    });
    child.stdin!.on('error', () => undefined); // EPIPE when the loader died; reported via 'exit'
    child.once('error', (error) => this.fail(new ProbeLoaderError(`cannot run ${command}: ${error.message}`, '', null)));
    child.once('exit', (code, signal) => {
      this.exited = { code, signal };
      this.fail(new ProbeLoaderError(`flowprobe loader exited (${signal ?? `code ${code}`})`, this.stderr, code));
    });
  }

  /** Spawns the loader and resolves once the probe is attached (HELLO received). */
  static async start(options: ProbeLoaderOptions = {}): Promise<{ loader: ProbeLoader; hello: ProbeHello }> {
    const command = options.loaderPath ?? DEFAULT_LOADER_PATH;
    const child = spawn(command, loaderArgs(options), { stdio: ['pipe', 'pipe', 'pipe'] });
    const loader = new ProbeLoader(child, command);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const hello = await new Promise<ProbeHello>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new ProbeLoaderError(`flowprobe loader did not attach within ${timeoutMs} ms`, loader.stderr, null));
      }, timeoutMs);
      loader.onHello = (h) => {
        clearTimeout(timer);
        resolve(h);
      };
      loader.onFailure = (error) => {
        clearTimeout(timer);
        reject(error);
      };
    });
    loader.onHello = undefined;
    loader.onFailure = undefined;
    if (hello.abiVersion !== ABI_VERSION) {
      await loader.stop();
      throw new ProbeLoaderError(`flowprobe loader speaks ABI ${hello.abiVersion}, this agent ${ABI_VERSION}: rebuild with make -C bpf`, '', null);
    }
    return { loader, hello };
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exited === undefined;
  }

  /** Recent stderr of the loader (warnings). */
  get diagnostics(): string {
    return this.stderr;
  }

  /** Asks for one drain; drains are serialized. */
  drain(): Promise<Drain> {
    const result = this.queue.then(
      () =>
        new Promise<Drain>((resolve, reject) => {
          if (this.exited) {
            reject(new ProbeLoaderError('flowprobe loader is not running', this.stderr, this.exited.code));
            return;
          }
          this.pending = { flows: [], resolve, reject };
          this.child.stdin!.write('drain\n');
        }),
    );
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Asks the loader to quit (detaching the probe) and waits for it. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await gone;
    clearTimeout(timer);
  }

  private receive(chunk: Buffer): void {
    let records: ProbeRecord[];
    try {
      records = this.splitter.push(chunk);
    } catch (error) {
      this.child.kill('SIGKILL');
      this.fail(error as Error);
      return;
    }
    for (const record of records) {
      if (record.type === 'hello') this.onHello?.(record.hello);
      else if (record.type === 'flow') this.pending?.flows.push(record.flow);
      else {
        const pending = this.pending;
        this.pending = undefined;
        pending?.resolve({ flows: pending.flows, end: record.end });
      }
    }
  }

  private fail(error: Error): void {
    this.onFailure?.(error);
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}
