/** The generated halves both joiner benches run on: a realistic mix, in the order agents would produce them. */
import type { FlowHalf } from '@flowmesh/lib';
import { generateScenario } from '../../services/joiner/test/support/flow-scenario.js';

/** About `target` halves: about eight per connection (Service-NAT and pod pairs, external and unmatched halves, long-lived connections). */
export function benchHalves(target: number): FlowHalf[] {
  const scenario = generateScenario({
    seed: 2024,
    connections: Math.ceil(target / 8),
    spanWindows: 120,
    skewWindows: 1,
    graceMs: 10_000,
    lateProbability: 0.01,
    silentAgentProbability: 0.05,
    dropProbability: 0.01,
  });
  return scenario.halves.map((h) => h.half);
}
