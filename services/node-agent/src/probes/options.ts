/** Options of the connectivity probes (`--probes`), spread into the agent's options; docs/probes.md explains them. */
import { defineOptions } from '@flowmesh/lib';

export const PROBE_PORT = 9407;

export const probeOptions = defineOptions({
  probes: { type: 'boolean', default: false, doc: 'Probe every other node\'s agent over UDP and TCP (and resolve --probe-dns-names) and export kconmon-compatible metrics; needs --redis-url.' },
  probePort: { type: 'int', default: PROBE_PORT, min: 1, max: 65535, doc: 'Port of the probe responder (UDP echo and HTTP) on every agent; the same on all nodes.' },
  probeHost: { type: 'string', default: '0.0.0.0', doc: 'Address the probe responder binds to.' },
  probeIntervalMs: { type: 'int', default: 5000, min: 100, max: 3_600_000, doc: 'Time between probe rounds (plus 50-500 ms of random jitter so agents do not probe in lockstep).' },
  probeUdpPackets: { type: 'int', default: 5, min: 1, max: 100, doc: 'UDP packets sent to each peer per round, one after the other.' },
  probeUdpTimeoutMs: { type: 'int', default: 250, min: 1, max: 10_000, doc: 'How long a UDP packet waits for its echo before it counts as lost.' },
  probeTcpTimeoutMs: { type: 'int', default: 2000, min: 1, max: 60_000, doc: 'How long the TCP test (connect + HTTP GET) may take before it counts as failed.' },
  probeDnsNames: { type: 'list', default: ['kubernetes.default.svc.cluster.local'], doc: 'Names resolved (A records) each round against every --probe-dns-resolvers entry; empty: no DNS test.' },
  probeDnsResolvers: { type: 'list', default: [], doc: 'Resolvers (ip or ip:port) the DNS test asks, e.g. the cluster DNS and a public one; empty: the system\'s (/etc/resolv.conf).' },
  probeDnsTimeoutMs: { type: 'int', default: 2000, min: 1, max: 60_000, doc: 'How long one DNS query may take before it counts as failed.' },
  probeAgentNamespace: { type: 'string', default: 'flowmesh', doc: 'Namespace of the agent pods whose readiness decides which nodes are probed.' },
  probeAgentSelector: { type: 'string', default: 'app.kubernetes.io/name=flowmesh-agent', doc: 'Labels (k=v,k2=v2) that pick the agent pods in --probe-agent-namespace.' },
  probeResyncMs: { type: 'int', default: 300_000, min: 0, doc: 'Safety re-read of the whole peer list from Redis (changes arrive by announcement in between; 0: never).' },
});
