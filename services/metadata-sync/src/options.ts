/** metadata-sync's options: the shared service and Redis groups plus its own, each with its default and doc. */
import { type ConfigOf, defineOptions, kubemetaViewOptions, redisOptions, serviceOptionsOn } from '@flowmesh/lib';

export const metadataSyncOwnOptions = defineOptions({
  kubeApi: {
    type: 'string',
    doc: 'Kubernetes API server URL, e.g. the stand-in `flowmesh stack` prints as KUBE_API (plain http allowed); overrides --kubeconfig and the in-cluster config.',
    envAliases: ['KUBE_API'],
  },
  kubeconfig: { type: 'string', doc: 'kubeconfig file; without it and --kube-api: the pod\'s service account in a cluster, else $KUBECONFIG or ~/.kube/config.' },
  kubeContext: { type: 'string', doc: 'kubeconfig context to use (default: the file\'s current context).' },
  ...kubemetaViewOptions,
  tombstoneRetentionMs: {
    type: 'int',
    doc: 'How long deleted pods, services, nodes and namespaces (and the addresses they held) stay resolvable for late flows before their keys go.',
    default: 3_600_000,
    min: 1_000,
  },
  leaderElection: { type: 'boolean', doc: 'Elect one writer among replicas with a Kubernetes Lease; off: this replica always writes (run only one).', default: true },
  leaseName: { type: 'string', doc: 'Name of the coordination.k8s.io Lease the replicas compete for.', default: 'flowmesh-metadata-sync' },
  leaseNamespace: { type: 'string', doc: 'Namespace of the Lease (set POD_NAMESPACE from the downward API).', default: 'default', envAliases: ['POD_NAMESPACE'] },
  leaseDurationMs: { type: 'int', doc: 'How long a leader that stopped renewing keeps the Lease; a standby takes over after this (whole seconds on the wire).', default: 15_000, min: 1_000 },
  renewDeadlineMs: { type: 'int', doc: 'A leader that could not renew for this long stops writing; must be below --lease-duration-ms.', default: 10_000, min: 100 },
  retryPeriodMs: { type: 'int', doc: 'How often the leader renews and standbys try to acquire the Lease.', default: 2_000, min: 50 },
  identity: { type: 'string', doc: 'This replica\'s name in the Lease (default: <hostname>-<pid>; in a cluster set POD_NAME from the downward API).', envAliases: ['POD_NAME'] },
  flushIntervalMs: { type: 'int', doc: 'How often changed view keys are written to Redis (one pipelined batch per flush).', default: 100, min: 1 },
  maxKeysPerFlush: { type: 'int', doc: 'Most keys written per flush; the rest wait for the next one.', default: 5_000, min: 1 },
  announceAllAbove: { type: 'int', doc: 'When one flush changes more keys than this, announce "everything changed" instead of listing them.', default: 5_000, min: 1 },
  sweepIntervalMs: { type: 'int', doc: 'How often tombstones past their retention are removed.', default: 30_000, min: 100 },
  resyncIntervalMs: { type: 'int', doc: 'How often the writer re-reads the whole view from Redis and repairs differences (0: never).', default: 900_000, min: 0 },
  watchTimeoutSeconds: { type: 'int', doc: 'Server-side timeout asked for each watch (jittered up to twice this); watches then resume from their resourceVersion.', default: 300, min: 1 },
  apiBackoffInitialMs: { type: 'int', doc: 'First wait before restarting a failed list/watch; doubles per failure.', default: 500, min: 1 },
  apiBackoffMaxMs: { type: 'int', doc: 'Longest wait between list/watch restarts.', default: 30_000, min: 1 },
});

export const metadataSyncOptions = defineOptions({
  ...serviceOptionsOn(9403),
  ...redisOptions,
  ...metadataSyncOwnOptions,
});

export type MetadataSyncConfig = ConfigOf<typeof metadataSyncOptions>;
