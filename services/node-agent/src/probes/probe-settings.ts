/** What the agent hands its probe process (JSON in an environment variable), built from the agent's config. */
import type { RedisConnectionOptions } from '@flowmesh/lib';
import { parseSelector } from './peers.js';
import type { ProberSettings } from './prober.js';

export const PROBE_PROCESS_NAME = 'flowmesh-probe';
export const SETTINGS_ENV = 'FLOWMESH_PROBE_PROCESS_SETTINGS';

export interface ProbeProcessSettings {
  node: string;
  host: string;
  logLevel: string;
  redis: RedisConnectionOptions;
  viewPrefix: string;
  agentNamespace: string;
  agentSelector: Record<string, string>;
  resyncMs: number;
  prober: ProberSettings;
}

/** The agent config fields the probes read. */
export interface ProbeConfig {
  probes: boolean;
  probePort: number;
  probeHost: string;
  probeIntervalMs: number;
  probeUdpPackets: number;
  probeUdpTimeoutMs: number;
  probeTcpTimeoutMs: number;
  probeDnsNames: string[];
  probeDnsResolvers: string[];
  probeDnsTimeoutMs: number;
  probeAgentNamespace: string;
  probeAgentSelector: string;
  probeResyncMs: number;
  viewPrefix: string;
  logLevel: string;
  redisUrl?: string;
  redisUsername?: string;
  redisPassword?: string;
  redisTlsCa?: string;
  redisTlsCert?: string;
  redisTlsKey?: string;
}

/** Every problem with the probe options (reported with the agent's others at start). */
export function probeConfigProblems(config: ProbeConfig): string[] {
  if (!config.probes) return [];
  const problems: string[] = [];
  if (!config.redisUrl) problems.push('--probes needs --redis-url (the kubemeta view lists the peers)');
  for (const problem of parseSelector(config.probeAgentSelector).problems) problems.push(`--probe-agent-selector: ${problem}`);
  for (const resolver of config.probeDnsResolvers) {
    if (!/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-f:]+\](:\d{1,5})?|[0-9a-f:]+)$/i.test(resolver)) problems.push(`--probe-dns-resolvers: "${resolver}" is not an address (ip or ip:port)`);
  }
  return problems;
}

export function probeProcessSettings(config: ProbeConfig, node: string): ProbeProcessSettings {
  const optional = <K extends keyof ProbeConfig>(key: K) => (config[key] !== undefined ? { [key]: config[key] } : {});
  return {
    node,
    host: config.probeHost,
    logLevel: config.logLevel,
    redis: {
      redisUrl: config.redisUrl!,
      ...optional('redisUsername'),
      ...optional('redisPassword'),
      ...optional('redisTlsCa'),
      ...optional('redisTlsCert'),
      ...optional('redisTlsKey'),
    },
    viewPrefix: config.viewPrefix,
    agentNamespace: config.probeAgentNamespace,
    agentSelector: parseSelector(config.probeAgentSelector).labels,
    resyncMs: config.probeResyncMs,
    prober: {
      port: config.probePort,
      intervalMs: config.probeIntervalMs,
      udpPackets: config.probeUdpPackets,
      udpTimeoutMs: config.probeUdpTimeoutMs,
      tcpTimeoutMs: config.probeTcpTimeoutMs,
      dnsNames: config.probeDnsNames,
      dnsResolvers: config.probeDnsResolvers,
      dnsTimeoutMs: config.probeDnsTimeoutMs,
    },
  };
}
