/**
 * Runs one node agent as its own process for bench/agent.bench.ts, so its CPU
 * time can be read from /proc. Argument: the agent's options as JSON. Prints
 * "AGENT-READY <http port>" on stderr once the probe is attached.
 */
import { loadConfig } from '@flowmesh/lib';
import { agentOptions, runAgent } from '@flowmesh/node-agent';

const flags = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const agent = await runAgent(loadConfig(agentOptions, { env: {}, flags }));
process.stderr.write(`AGENT-READY ${agent.httpPort}\n`);
