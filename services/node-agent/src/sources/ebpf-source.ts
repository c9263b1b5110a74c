/**
 * Flow halves from the kernel: drains the flowprobe loader once per window,
 * turns cumulative counters into window deltas, adds the process context and
 * builds the halves. Restarts the loader if it dies (its maps die with it,
 * so the next window starts from fresh entries).
 */
import type { FlowHalf, Logger } from '@flowmesh/lib';
import { buildHalf } from '../halves/build-half.js';
import { NetnsAddresses } from '../halves/netns-addresses.js';
import type { AgentMetrics } from '../metrics.js';
import { FlowDeltaTracker, type FlowDelta } from '../probe/flow-deltas.js';
import { COUNTER_NAMES, Feature, type CounterName } from '../probe/layout.js';
import { ProbeLoader, type Drain, type ProbeLoaderOptions } from '../probe/loader-process.js';
import { isUnspecified } from '../probe/ip-bytes.js';
import type { DrainEnd, ProbeHello } from '../probe/records.js';
import { CgroupPaths, findCgroup2Mount } from '../process/cgroup-paths.js';
import { ProcessResolver } from '../process/process-resolver.js';
import type { Redactor } from '../process/redact.js';
import type { ExportWindow } from '../window.js';
import type { HalfSource } from './half-source.js';

export interface EbpfSourceOptions {
  node: string;
  loader: ProbeLoaderOptions;
  /** The host's /proc (pids in probe records are host pids). */
  procRoot: string;
  redact: Redactor;
  metrics: AgentMetrics;
  logger: Logger;
}

const MAP_FULL: Partial<Record<CounterName, string>> = { tcp_map_full: 'tcp', udp_map_full: 'udp' };

export class EbpfSource implements HalfSource {
  readonly kind = 'ebpf' as const;
  private readonly tracker = new FlowDeltaTracker();
  private readonly processes: ProcessResolver;
  private readonly addresses: NetnsAddresses;
  private lastCounters: Record<CounterName, number> | undefined;
  /** Lookups of this window by result, published once per window (not once per flow). */
  private readonly lookups = { cached: 0, proc: 0, exited: 0 };
  private lastError: string | undefined;

  private constructor(
    private loader: ProbeLoader,
    readonly hello: ProbeHello,
    private readonly options: EbpfSourceOptions,
  ) {
    this.processes = new ProcessResolver({
      redact: options.redact,
      procRoot: options.procRoot,
      cgroupPaths: new CgroupPaths(findCgroup2Mount()),
      onLookup: (result) => this.lookups[result]++,
    });
    this.addresses = new NetnsAddresses({
      procRoot: options.procRoot,
      ...(options.loader.netnsPath ? { scoped: { ino: hello.netnsIno, path: options.loader.netnsPath } } : {}),
    });
  }

  static async start(options: EbpfSourceOptions): Promise<EbpfSource> {
    const { loader, hello } = await ProbeLoader.start(options.loader);
    options.logger.info({ loaderPid: hello.loaderPid, netnsIno: hello.netnsIno, features: hello.features }, 'flowprobe attached');
    if ((hello.features & Feature.TCP_REFRESH) === 0) {
      options.logger.warn(
        { feature: 'tcp_refresh' },
        'the kernel refused the map iterator program: TCP counters are read at every send/recv instead of once per drain (a little more CPU per syscall)',
      );
    }
    return new EbpfSource(loader, hello, options);
  }

  async collect(window: ExportWindow): Promise<FlowHalf[]> {
    const drain = await this.drain();
    this.recordProbeCounters(drain.end);
    const deltas = this.tracker.apply(drain.flows);
    const halves = deltas.map((delta) => this.half(delta, window));
    for (const result of ['cached', 'proc', 'exited'] as const) {
      if (this.lookups[result]) this.options.metrics.processLookups.inc({ result }, this.lookups[result]);
      this.lookups[result] = 0;
    }
    return halves;
  }

  health(): true | string {
    if (!this.loader.running) return `flowprobe loader not running${this.lastError ? `: ${this.lastError}` : ''}`;
    return true;
  }

  stop(): Promise<void> {
    return this.loader.stop();
  }

  private async drain(): Promise<Drain> {
    if (!this.loader.running) await this.restart();
    try {
      return await this.loader.drain();
    } catch (error) {
      this.lastError = (error as Error).message;
      throw error;
    }
  }

  private async restart(): Promise<void> {
    this.options.logger.error({ diagnostics: this.loader.diagnostics }, 'flowprobe loader died; restarting it');
    this.options.metrics.probeRestarts.inc();
    const { loader } = await ProbeLoader.start(this.options.loader);
    this.loader = loader;
    this.tracker.reset();
    this.lastCounters = undefined;
  }

  private half(delta: FlowDelta, window: ExportWindow): FlowHalf {
    const { flow } = delta;
    const process = this.processes.resolve({ pid: flow.pid, comm: flow.comm, cgroupId: flow.cgroupId });
    const localIp = isUnspecified(flow.localIp) ? (this.addresses.primary(flow.netnsIno, flow.pid, flow.family) ?? flow.localIp) : flow.localIp;
    return buildHalf(delta, { node: this.options.node, window, process, localIp });
  }

  /** Probe counters are cumulative since load: publish their increase. */
  private recordProbeCounters(end: DrainEnd): void {
    const { metrics } = this.options;
    for (const name of COUNTER_NAMES) {
      const increase = end.counters[name] - (this.lastCounters?.[name] ?? 0);
      if (increase <= 0) continue;
      const map = MAP_FULL[name];
      if (map) metrics.mapFullDrops.inc({ map }, increase);
      else metrics.probeEvents.inc({ event: name }, increase);
    }
    this.lastCounters = end.counters;
    metrics.conversationsTracked.set({ protocol: 'tcp' }, end.tcpEntries);
    metrics.conversationsTracked.set({ protocol: 'udp' }, end.udpEntries);
  }
}
