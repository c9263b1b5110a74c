/** The node agent's options (flags, FLOWMESH_* environment, config file), each documented. */
import { defineOptions, kafkaOptions, kubemetaViewOptions, redisOptions, serviceOptionsOn, TOPICS } from '@flowmesh/lib';
import { probeOptions } from './probes/options.js';

export const agentOwnOptions = defineOptions({
  source: {
    type: 'enum',
    choices: ['ebpf', 'synthetic'],
    default: 'ebpf',
    doc: 'Where halves come from: the eBPF probe (root, BTF kernel), or a simulated cluster (records marked synthetic).',
  },
  nodeName: { type: 'string', doc: 'Node name put in every half (default: the host name; set from the downward API in a DaemonSet).', envAliases: ['NODE_NAME'] },
  exportIntervalMs: { type: 'int', default: 10_000, min: 100, max: 3_600_000, doc: 'Export window length; windows are aligned to wall-clock multiples of it.' },
  netns: { type: 'string', doc: 'Watch one network namespace only: a namespace file (/var/run/netns/NAME, /proc/PID/ns/net) or a pid in it.' },
  procRoot: { type: 'string', default: '/proc', doc: 'The host\'s /proc (where a DaemonSet mounts it), for process names, command lines and cgroups.' },
  probeLoader: { type: 'string', doc: 'Path of the flowprobe loader binary (default: bpf/.output/flowprobe-loader of this source tree).' },
  tcpMaxEntries: { type: 'int', default: 65_536, min: 16, max: 16_777_216, doc: 'Size of the kernel map of TCP sockets; sockets beyond it are counted in flowmesh_agent_map_full_drops_total.' },
  udpMaxEntries: { type: 'int', default: 65_536, min: 16, max: 16_777_216, doc: 'Size of the kernel map of UDP socket/peer pairs.' },
  udpIdleMs: { type: 'int', default: 30_000, min: 1, doc: 'A UDP socket/peer pair idle this long is evicted from the kernel map.' },
  udpPeer: { type: 'boolean', default: true, doc: 'Hook sys_exit to learn the peer of datagrams sent or received on unconnected UDP sockets (sendto/recvfrom); costs tens of ns per syscall.' },
  redactDefaults: { type: 'boolean', default: true, doc: 'Apply the built-in command-line redaction rules (passwords, tokens, URL credentials, auth headers).' },
  redactRules: {
    type: 'list',
    default: [],
    doc: 'More redaction rules: regular expressions whose match is masked, keeping capture group 1 (use the config file for rules containing commas).',
  },
  halvesTopic: { type: 'string', default: TOPICS.halves, doc: 'Topic the halves are published to.' },
  publishBufferMax: { type: 'int', default: 500_000, min: 1000, doc: 'Most halves kept while Kafka is unavailable; the oldest beyond it are dropped and counted.' },
  syntheticRate: { type: 'number', default: 20, min: 0, doc: 'Synthetic source: new conversations per second in the simulated cluster.' },
  syntheticNodes: { type: 'int', default: 3, min: 1, max: 250, doc: 'Synthetic source: nodes in the simulated cluster.' },
  syntheticSeed: { type: 'int', default: 1, doc: 'Synthetic source: seed (same seed, same cluster and traffic).' },
  syntheticReportNodes: { type: 'list', default: [], doc: 'Synthetic source: emit only the halves these simulated nodes report (default: all nodes).' },
});

/** Redis (the kubemeta view) is only needed with --probes, so the URL is optional here. */
const agentRedisOptions = defineOptions({
  ...redisOptions,
  redisUrl: { type: 'string', doc: 'Redis URL of the kubemeta view (redis:// or rediss://), read by --probes for the peer list.', envAliases: ['REDIS_URL'] },
  viewPrefix: kubemetaViewOptions.viewPrefix,
});

export const agentOptions = defineOptions({ ...serviceOptionsOn(9400), ...kafkaOptions, ...agentOwnOptions, ...probeOptions, ...agentRedisOptions });
