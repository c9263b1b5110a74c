/**
 * The join's expected output, computed from the generated truth and written
 * independently of the joiner: halves are identified by the connection that
 * produced them (never by addresses, keys or CIDRs), state is a plain list
 * scanned in full, and records are built from the true ends of the
 * connection rather than from matched halves.
 *
 * The rules it encodes (docs/joiner.md, "Semantics"):
 * - a half whose peer is outside the cluster is EXTERNAL at once;
 * - on arrival a half pairs with a waiting half of the other end in the same window;
 * - otherwise it waits until the partition's watermark (latest window end seen,
 *   moved after the half is handled) reaches its window end + skew windows + grace,
 *   or its partition idles; then it pairs with a waiting half of the other end in
 *   a window within the skew tolerance (nearest, then older); failing that, it
 *   borrows the context of a half of the other end within the tolerance that
 *   already left MATCHED (MATCHED too, and that half is not paired again);
 *   else PEER_MISSING. Halves that left MATCHED can be borrowed until the
 *   watermark passes their deadline plus the tolerance;
 * - a half that arrives after that point is handled the same way at once;
 * - records re-delivered at offsets already handled produce nothing.
 */
import type { JoinedFlow, Match, Vantage } from '@flowmesh/lib';
import { refId, type DeliveryScript } from './delivery-script.js';
import { WINDOW_MS, type EndContext, type GeneratedHalf, type TrueConnection } from './flow-scenario.js';

export interface ReferenceSettings {
  skewWindows: number;
  graceMs: number;
  idleTimeoutMs: number;
}

export interface ReferenceOutcome {
  match: Match;
  /** refId of the half it was paired with. */
  peer: string | null;
}

interface Waiting {
  id: string;
  connection: number;
  vantage: Vantage;
  window: number;
  deadline: number;
  arrival: number;
}

interface PartitionState {
  waiting: Waiting[];
  /** Halves that left MATCHED, in the order they left, until forgotten. */
  matched: Waiting[];
  watermark: number;
  lastInput: number;
  handledBelow: number;
}

export function referenceOutcomes(script: DeliveryScript, settings: ReferenceSettings): Map<string, ReferenceOutcome> {
  const outcomes = new Map<string, ReferenceOutcome>();
  const partitions = new Map<number, PartitionState>();
  let arrivals = 0;

  const pair = (state: PartitionState, a: Waiting, b: Waiting) => {
    outcomes.set(a.id, { match: 'MATCHED', peer: b.id });
    outcomes.set(b.id, { match: 'MATCHED', peer: a.id });
    state.matched.push(a, b);
  };
  const isPeer = (a: Waiting, b: Waiting) => a.connection === b.connection && a.vantage !== b.vantage;
  const takeOut = (state: PartitionState, w: Waiting) => state.waiting.splice(state.waiting.indexOf(w), 1);
  /** Peers of `h` among `list` in a neighbouring window within tolerance: nearest, then older window, then first in the list. */
  const nearestNeighbour = (list: Waiting[], h: Waiting) =>
    list
      .map((w, order) => ({ w, order, distance: Math.abs(w.window - h.window) / WINDOW_MS }))
      .filter(({ w, distance }) => isPeer(w, h) && distance >= 1 && distance <= settings.skewWindows)
      .sort((x, y) => x.distance - y.distance || x.w.window - y.w.window || x.order - y.order)[0]?.w;

  /** Last chance: a waiting half in a neighbouring window; else a neighbour that already left MATCHED, borrowed. */
  const finish = (state: PartitionState, h: Waiting) => {
    const chosen = nearestNeighbour([...state.waiting].sort((x, y) => x.arrival - y.arrival), h);
    if (chosen) {
      takeOut(state, chosen);
      pair(state, h, chosen);
      return;
    }
    const borrowed = nearestNeighbour(state.matched, h);
    if (borrowed) {
      outcomes.set(h.id, { match: 'MATCHED', peer: borrowed.id });
      state.matched.push(h);
    } else {
      outcomes.set(h.id, { match: 'PEER_MISSING', peer: null });
    }
  };
  const forget = (state: PartitionState) => {
    state.matched = state.matched.filter((m) => m.deadline + settings.skewWindows * WINDOW_MS > state.watermark);
  };
  const firstToGo = (state: PartitionState) =>
    [...state.waiting].sort((x, y) => x.deadline - y.deadline || x.arrival - y.arrival)[0];
  const finishWhile = (state: PartitionState, due: (w: Waiting) => boolean) => {
    for (let next = firstToGo(state); next && due(next); next = firstToGo(state)) {
      takeOut(state, next);
      finish(state, next);
    }
  };

  for (const step of script.steps) {
    if (step.kind === 'tick' || step.kind === 'drain') {
      for (const state of partitions.values()) {
        if (step.kind === 'drain' || step.nowMs - state.lastInput >= settings.idleTimeoutMs) finishWhile(state, () => true);
      }
      continue;
    }
    for (const record of step.records) {
      let state = partitions.get(record.partition);
      if (!state) partitions.set(record.partition, (state = { waiting: [], matched: [], watermark: -Infinity, lastInput: step.nowMs, handledBelow: 0 }));
      const offset = Number(record.offset);
      if (offset < state.handledBelow) continue;
      state.handledBelow = offset + 1;
      state.lastInput = step.nowMs;
      const id = refId(record.partition, record.offset);
      const { source } = script.inputs.get(id)!;
      const half = source.half;
      if (isExternalPeer(source)) {
        outcomes.set(id, { match: 'EXTERNAL', peer: null });
      } else {
        const h: Waiting = {
          id,
          connection: source.connection.id,
          vantage: half.vantage,
          window: half.window_start,
          deadline: half.window_end + settings.skewWindows * WINDOW_MS + settings.graceMs,
          arrival: arrivals++,
        };
        const exact = state.waiting.find((w) => isPeer(w, h) && w.window === h.window);
        if (exact) {
          takeOut(state, exact);
          pair(state, h, exact);
        } else if (h.deadline <= state.watermark) {
          finish(state, h);
        } else {
          state.waiting.push(h);
        }
      }
      state.watermark = Math.max(state.watermark, half.window_end);
      const watermark = state.watermark;
      finishWhile(state, (w) => w.deadline <= watermark);
      forget(state);
    }
  }
  return outcomes;
}

/** The peer of a half is outside the cluster when the generator made that end external. */
export function isExternalPeer(source: GeneratedHalf): boolean {
  const kind = source.connection.kind;
  return (kind === 'external-server' && source.half.vantage === 'SRC') || (kind === 'external-client' && source.half.vantage === 'DST');
}

function context(end: EndContext | null) {
  return {
    node: end?.node ?? null,
    pid: end?.pid ?? null,
    process_name: end?.process_name ?? null,
    cmdline: end?.cmdline ?? null,
    container_id: end?.container_id ?? null,
  };
}

/** The record a half must produce given its match, from the connection's true ends. */
export function expectedRecord(source: GeneratedHalf, match: Match): JoinedFlow {
  const c: TrueConnection = source.connection;
  const knowsClient = source.half.vantage === 'SRC' || match === 'MATCHED';
  const knowsServer = source.half.vantage === 'DST' || match === 'MATCHED';
  return {
    half: source.half,
    match,
    src: { ip: c.client.ip, port: c.client.port, ...context(knowsClient ? c.client.context : null) },
    dst: knowsServer
      ? { ip: c.server.ip, port: c.server.port, ...context(c.server.context) }
      : { ip: c.dialled.ip, port: c.dialled.port, ...context(null) },
    service_ip: c.kind === 'service' && knowsClient ? c.dialled.ip : null,
    service_port: c.kind === 'service' && knowsClient ? c.dialled.port : null,
  };
}

/**
 * When nothing is late and no partition idles, the outcome depends on the
 * reported windows alone: same-window pairs, then, in window order, the
 * nearest left-over window of the other end within the tolerance.
 */
export function onTimeOutcomes(halves: readonly GeneratedHalf[], skewWindows: number): Map<GeneratedHalf, Match> {
  const result = new Map<GeneratedHalf, Match>();
  const byConnection = new Map<TrueConnection, GeneratedHalf[]>();
  for (const h of halves) byConnection.set(h.connection, [...(byConnection.get(h.connection) ?? []), h]);
  for (const [connection, own] of byConnection) {
    if (connection.kind === 'external-server' || connection.kind === 'external-client') {
      for (const h of own) result.set(h, isExternalPeer(h) ? 'EXTERNAL' : 'PEER_MISSING');
      continue;
    }
    const left = new Set(own);
    for (const h of own) {
      const peer = [...left].find((o) => o !== h && o.half.vantage !== h.half.vantage && o.half.window_start === h.half.window_start);
      if (left.has(h) && peer) {
        result.set(h, 'MATCHED').set(peer, 'MATCHED');
        left.delete(h);
        left.delete(peer);
      }
    }
    const inWindowOrder = [...left].sort((a, b) => a.half.window_start - b.half.window_start);
    for (const h of inWindowOrder) {
      if (!left.has(h)) continue;
      left.delete(h);
      const distance = (o: GeneratedHalf) => Math.abs(o.half.window_start - h.half.window_start) / WINDOW_MS;
      const peer = [...left]
        .filter((o) => o.half.vantage !== h.half.vantage && distance(o) <= skewWindows)
        .sort((a, b) => distance(a) - distance(b) || a.half.window_start - b.half.window_start)[0];
      if (peer) {
        left.delete(peer);
        result.set(h, 'MATCHED').set(peer, 'MATCHED');
      } else {
        result.set(h, 'PEER_MISSING');
      }
    }
    // A half left without a peer borrows the context of a neighbour of the other end that was matched.
    for (const h of inWindowOrder) {
      if (result.get(h) !== 'PEER_MISSING') continue;
      const distance = (o: GeneratedHalf) => Math.abs(o.half.window_start - h.half.window_start) / WINDOW_MS;
      if (own.some((o) => o.half.vantage !== h.half.vantage && result.get(o) === 'MATCHED' && distance(o) >= 1 && distance(o) <= skewWindows)) result.set(h, 'MATCHED');
    }
  }
  return result;
}
