/**
 * @flowmesh/node-agent — the DaemonSet that reports each node's half of every
 * TCP and UDP conversation (eBPF probe in bpf/, docs in docs/probe.md).
 *
 * For the CLI: `nodeAgentCommand` (name, options, start) or `runAgent(config)`.
 * For demos and benchmarks: `SyntheticCluster`, the simulated-cluster generator.
 */
export { nodeAgentCommand, runAgent, startAgent, agentProblems, CapabilityError, type AgentConfig } from './agent.js';
export { agentOptions, agentOwnOptions } from './options.js';
export { probeProblems, MIN_KERNEL } from './capabilities.js';
export { SyntheticCluster, type SyntheticClusterOptions } from './synthetic/generator.js';
export { ProbeLoader, DEFAULT_LOADER_PATH, type ProbeLoaderOptions, type Drain } from './probe/loader-process.js';
export type { ProbeFlow, DrainEnd, ProbeHello } from './probe/records.js';
export { compileRedactor, DEFAULT_REDACTION_RULES } from './process/redact.js';
