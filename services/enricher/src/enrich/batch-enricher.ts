/**
 * Enriches a batch of joined flows with two batched rounds of metadata reads:
 * round 1 the addresses and container ids of every end, round 2 the details
 * (pods, services, nodes) those named. With a warm cache neither round touches
 * the store. Never throws because of the store: what cannot be resolved is left
 * empty and the record says so in `enrichment`.
 */
import { pickIncarnation, type CidrSet } from '@flowmesh/lib';
import type { EnrichedFlow, Enrichment, JoinedFlow, ObjectType } from '@flowmesh/lib';
import { NO_GEO, type GeoLookup } from '../geo/geoip.js';
import type { CachedMetadata, LookupAnswers } from '../metadata/cached-metadata.js';
import { addressKey, containerKey } from '../metadata/source.js';
import { describe, detailRequest, splitKey, type ObjectDetails } from './describe.js';
import { identify, type Identified, type Identity, type IdentifyContext } from './identify.js';
import type { JoinedFacts } from './joined-facts.js';
import { Quality } from './quality.js';
import { toEnrichedFlow, type FlowContext, type ResolvedEnd } from './to-enriched-flow.js';

export interface EnrichSettings {
  clusterId: string;
  /** How far outside an address interval a flow may fall and still be attributed to it, ms. */
  skewToleranceMs: number;
  clusterRanges: CidrSet | null;
}

/** Reported once per batch and value, with how many times it happened (a labelled metric costs a label lookup per call). */
export interface EnrichEvents {
  resolved?(objectType: ObjectType, count: number): void;
  enriched?(status: Enrichment, count: number): void;
  geoLooked?(found: boolean, count: number): void;
}

/** Counts of one batch's events, by value. */
class Tally<K> {
  private readonly counts = new Map<K, number>();

  add(key: K): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  report(to: ((key: K, count: number) => void) | undefined): void {
    if (to) for (const [key, count] of this.counts) to(key, count);
  }
}

interface BatchTallies {
  resolved: Tally<ObjectType>;
  enriched: Tally<Enrichment>;
  geoLooked: Tally<boolean>;
}

interface Identities {
  src: Identified;
  dst: Identified;
  /** The Service behind `service_ip`, when the client dialled one. */
  service: Identified | null;
}

export class BatchEnricher {
  constructor(
    private readonly metadata: CachedMetadata,
    private readonly geo: GeoLookup | null,
    private readonly settings: EnrichSettings,
    private readonly events: EnrichEvents = {},
  ) {}

  /** The enriched records, as objects (tests, embedding; the service writes bytes from `resolve`). */
  async enrich(flows: readonly JoinedFlow[]): Promise<EnrichedFlow[]> {
    const contexts = await this.resolve(flows);
    return flows.map((flow, i) => toEnrichedFlow(flow, contexts[i]!));
  }

  /** What was resolved about each flow's ends: with the flow's own fields, its EnrichedFlow. */
  async resolve(flows: readonly JoinedFacts[]): Promise<FlowContext[]> {
    const round1 = await this.metadata.lookup(firstRoundRequest(flows));
    // One context for the batch, set to each flow's time in turn (identify reads it and keeps nothing).
    const context: IdentifyContext = { atMs: 0, skewToleranceMs: this.settings.skewToleranceMs, clusterRanges: this.settings.clusterRanges };
    const identities = flows.map((flow) => this.identifyEnds(flow, round1, context));
    // The dialled Service needs only its name, which round 1 gave: no details for it.
    // The nodes the agents named are asked for now too: their zones.
    const request = detailRequest(endsOf(identities));
    for (const flow of flows) addNode(request.node, flow.src.node, flow.dst.node);
    const round2 = await this.metadata.lookup(request);
    const answers: LookupAnswers = { ...round1, pod: round2.pod, service: round2.service, node: round2.node };
    const tallies: BatchTallies = { resolved: new Tally(), enriched: new Tally(), geoLooked: new Tally() };
    const ends = flows.map((flow, i) => this.resolveEnds(flow, identities[i]!, answers, tallies));
    await this.lookUpZonesOfPodNodes(ends, answers);
    const contexts = flows.map((flow, i) => this.contextOf(flow, identities[i]!, ends[i]!, answers, tallies.enriched));
    tallies.resolved.report(this.events.resolved);
    tallies.enriched.report(this.events.enriched);
    tallies.geoLooked.report(this.events.geoLooked);
    return contexts;
  }

  /**
   * A pod whose node no agent reported (the far end of an unmatched half) names
   * its node only in its own record: one more round, for those nodes alone,
   * which a warm cache answers without the store.
   */
  private async lookUpZonesOfPodNodes(ends: readonly ResolvedEnds[], answers: LookupAnswers): Promise<void> {
    const missing = new Set<string>();
    for (const { src, dst } of ends) addNode(missing, src.details.node, dst.details.node);
    for (const name of answers.node.keys()) missing.delete(name);
    if (!missing.size) return;
    const round3 = await this.metadata.lookup({ node: missing });
    for (const [name, answer] of round3.node) answers.node.set(name, answer);
  }

  private identifyEnds(flow: JoinedFacts, answers: LookupAnswers, context: IdentifyContext): Identities {
    context.atMs = (flow.half.window_start + flow.half.window_end) / 2;
    // A dialled Service address is in the cluster by definition: pretend an agent vouched for it.
    const service = flow.service_ip === null ? null : identify({ ip: flow.service_ip, node: '', container_id: null }, answers, context);
    return { src: identify(flow.src, answers, context), dst: identify(flow.dst, answers, context), service };
  }

  private resolveEnds(flow: JoinedFacts, ids: Identities, answers: LookupAnswers, tallies: BatchTallies): ResolvedEnds {
    const quality = new Quality();
    const src = this.resolveEnd(flow.src.ip, ids.src, answers, quality, tallies);
    const dst = this.resolveEnd(flow.dst.ip, ids.dst, answers, quality, tallies);
    if (ids.service) quality.merge(ids.service.quality);
    return { src, dst, quality };
  }

  private contextOf(flow: JoinedFacts, ids: Identities, ends: ResolvedEnds, answers: LookupAnswers, enriched: Tally<Enrichment>): FlowContext {
    const context: FlowContext = {
      src: ends.src,
      dst: ends.dst,
      // The agent's word about an end's node beats the view's (as in the record's node fields).
      srcZone: zoneOf(flow.src.node ?? ends.src.details.node, answers),
      dstZone: zoneOf(flow.dst.node ?? ends.dst.details.node, answers),
      service: serviceOf(ids, ends.dst.details),
      clusterId: this.settings.clusterId,
      enrichment: ends.quality.value,
    };
    enriched.add(context.enrichment);
    return context;
  }

  private resolveEnd(ip: string, identified: Identified, answers: LookupAnswers, quality: Quality, tallies: BatchTallies): ResolvedEnd {
    const details = describe(identified.identity, answers, identified.quality);
    quality.merge(identified.quality);
    tallies.resolved.add(details.object_type);
    if (details.object_type !== 'external' || !this.geo) return { details, geo: NO_GEO };
    const geo = this.geo.lookup(ip);
    tallies.geoLooked.add(geo.geo_country !== null || geo.asn !== null);
    return { details, geo };
  }
}

interface ResolvedEnds {
  src: ResolvedEnd;
  dst: ResolvedEnd;
  quality: Quality;
}

function* endsOf(identities: readonly Identities[]): Iterable<Identity> {
  for (const ids of identities) {
    yield ids.src.identity;
    yield ids.dst.identity;
  }
}

function addNode(names: Set<string>, first: string | null, second: string | null): void {
  if (first) names.add(first);
  if (second) names.add(second);
}

/** A node's zone; unknown nodes and nodes without the label have none (it never lowers the enrichment status). */
function zoneOf(node: string | null, answers: LookupAnswers): string | null {
  if (!node) return null;
  return pickIncarnation(answers.node.get(node)?.value ?? undefined)?.zone ?? null;
}

function firstRoundRequest(flows: readonly JoinedFacts[]): { address: Set<string>; container: Set<string> } {
  const address = new Set<string>();
  const container = new Set<string>();
  for (const flow of flows) {
    address.add(addressKey(flow.src.ip));
    address.add(addressKey(flow.dst.ip));
    if (flow.service_ip !== null) address.add(addressKey(flow.service_ip));
    if (flow.src.container_id) container.add(containerKey(flow.src.container_id));
    if (flow.dst.container_id) container.add(containerKey(flow.dst.container_id));
  }
  return { address, container };
}

/**
 * The Service the client dialled; else the one the server end itself is (an
 * unmatched VIP); else one that routes to the server pod (the first by name when
 * several do), so direct pod-to-pod calls still name their service.
 */
type ServiceName = { name: string; namespace: string } | null;

/** The Service named by an identity or details object, made once per object (both live as long as their cache entry). */
const serviceNames = new WeakMap<object, ServiceName>();

function serviceNamed<T extends object>(of: T, make: (of: T) => ServiceName): ServiceName {
  let named = serviceNames.get(of);
  if (named === undefined) serviceNames.set(of, (named = make(of)));
  return named;
}

function serviceOf(ids: Identities, dst: ObjectDetails): ServiceName {
  const dialled = ids.service?.identity;
  if (dialled?.kind === 'service') return serviceNamed(dialled, dialledService);
  return serviceNamed(dst, serverService);
}

function dialledService(identity: Identity & { kind: 'service' }): ServiceName {
  const [namespace, name] = splitKey(identity.key);
  return { name, namespace };
}

function serverService(dst: ObjectDetails): ServiceName {
  if (dst.object_namespace === null) return null;
  if (dst.object_type === 'service' && dst.object_name !== null) return { name: dst.object_name, namespace: dst.object_namespace };
  const routing = dst.services[0];
  return routing === undefined ? null : { name: routing, namespace: dst.object_namespace };
}
