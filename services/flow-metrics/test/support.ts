/** Shared set-up of the flow-metrics unit tests: a store, its processor and a sink that records what was completed. */
import { addTextCollector, createRegistry, renderMetrics, type EnrichedFlow, type InputRef, type OutputSink } from '@flowmesh/lib';
import { sampleEnriched } from '@flowmesh/lib/testing';
import { FlowMetricsProcessor } from '../src/flow-metrics-processor.js';
import { DEFAULT_PORT_CLASSES, type ExternalGrouping, type LabelGranularity } from '../src/options.js';
import { PairLabeller } from '../src/pair-labels.js';
import { flowMetricsServiceMetrics, storeEventsFor } from '../src/service-metrics.js';
import { TrafficExposition } from '../src/traffic-metrics.js';
import { TrafficStore } from '../src/traffic-store.js';

export interface Harness {
  store: TrafficStore;
  processor: FlowMetricsProcessor;
  registry: ReturnType<typeof createRegistry>;
  completed: InputRef[];
  sink: OutputSink;
  /** Hands the flows to the processor as one partition-0 batch. */
  feed(flows: EnrichedFlow[]): Promise<void>;
  clock: { now: number };
}

export function harness(settings: { maxPairs?: number; granularity?: LabelGranularity; externalGrouping?: ExternalGrouping; skipSynthetic?: boolean; seriesTtlMs?: number } = {}): Harness {
  const registry = createRegistry('flow-metrics');
  const labeller = new PairLabeller({ granularity: settings.granularity ?? 'workload', portClasses: DEFAULT_PORT_CLASSES, externalGrouping: settings.externalGrouping ?? 'asn' });
  const maxPairs = settings.maxPairs ?? 1000;
  let store: TrafficStore | undefined;
  const metrics = flowMetricsServiceMetrics(registry, () => store?.size ?? 0, maxPairs);
  store = new TrafficStore(labeller, maxPairs, storeEventsFor(metrics));
  const exposition = new TrafficExposition(store, labeller.names, { service: 'flow-metrics' });
  addTextCollector(registry, () => exposition.render());
  const clock = { now: 1_000_000 };
  const processor = new FlowMetricsProcessor({ store, metrics, skipSynthetic: settings.skipSynthetic ?? false, seriesTtlMs: settings.seriesTtlMs ?? 60_000, now: () => clock.now });
  const completed: InputRef[] = [];
  const sink: OutputSink = {
    async send(_messages, completes) {
      completed.push(...completes);
    },
    async deadLetter(ref) {
      completed.push(ref);
    },
  };
  let offset = 0;
  return {
    store,
    processor,
    registry,
    completed,
    sink,
    clock,
    feed: (flows) => processor.handleBatch(flows.map((value) => ({ partition: 0, offset: String(offset++), key: null, value })), sink),
  };
}

/** A conversation between two workloads, seen from `vantages`: each record's out/in follow its reporting end. */
export function conversation(
  vantages: ('SRC' | 'DST')[],
  traffic: { request: number; response: number; requestPackets?: number; responsePackets?: number },
  overrides: Partial<EnrichedFlow> = {},
): EnrichedFlow[] {
  const match = vantages.length === 2 ? 'MATCHED' : (overrides.match ?? 'PEER_MISSING');
  return vantages.map((vantage) =>
    sampleEnriched({
      vantage,
      out_bytes: vantage === 'SRC' ? traffic.request : traffic.response,
      in_bytes: vantage === 'SRC' ? traffic.response : traffic.request,
      out_pkts: vantage === 'SRC' ? (traffic.requestPackets ?? 1) : (traffic.responsePackets ?? 1),
      in_pkts: vantage === 'SRC' ? (traffic.responsePackets ?? 1) : (traffic.requestPackets ?? 1),
      // A server's RTT differs from its client's: it must not reach the histogram.
      latency_ms: vantage === 'SRC' ? 2 : 900,
      retransmits: vantage === 'SRC' ? 1 : 50,
      ...overrides,
      match,
    }),
  );
}

/** Samples of one metric from the registry's text exposition, as {labels, value}. */
export async function scrape(registry: ReturnType<typeof createRegistry>, name: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const text = await renderMetrics(registry);
  const samples: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}

export const sum = (samples: { value: number }[]) => samples.reduce((total, s) => total + s.value, 0);
