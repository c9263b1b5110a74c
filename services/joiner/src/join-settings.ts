/** The join's tunables, as the core sees them (the CLI options map onto these; see options.ts). */
export interface JoinSettings {
  /** Neighbouring export windows on each side in which a peer half may still be found (clock skew between nodes). */
  skewWindows: number;
  /** How long after a window's end (in event time) its halves may still arrive. */
  graceMs: number;
  /** A partition with no input for this long (wall clock) releases every pending half. */
  idleTimeoutMs: number;
  /** Pending halves held over all partitions; beyond it the oldest are emitted early as PEER_MISSING. */
  maxPending: number;
  /** Halves whose window ends further than this ahead of the joiner's clock do not move the watermark. */
  maxClockAheadMs: number;
  /** Addresses inside the cluster (pods, nodes, services); a peer outside them is EXTERNAL. */
  clusterCidrs: readonly string[];
  /** Service virtual IP ranges; a client half naming one may pair with a server half naming a pod. */
  serviceCidrs: readonly string[];
}

export const DEFAULT_JOIN_SETTINGS: JoinSettings = {
  skewWindows: 1,
  graceMs: 10_000,
  idleTimeoutMs: 30_000,
  maxPending: 200_000,
  maxClockAheadMs: 120_000,
  clusterCidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10'],
  serviceCidrs: ['10.96.0.0/12'],
};
