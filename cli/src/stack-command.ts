/** `flowmesh stack`: runs the embedded stack in the foreground (or, with --detach, in the background) and prints where it listens. */
import type { Command } from 'commander';
import { syntheticPlan } from './demo/synthetic-plan.js';
import { kubernetesObjects } from './demo/cluster-plan.js';
import { startEmbeddedStack } from './embedded-stack.js';
import { onParentDeath } from './parent-watch.js';
import { DETACHED_ENV, detachStack } from './stack-detach.js';

/** The cluster `flowmesh agent --source synthetic` simulates with its default --synthetic-nodes. */
export const EXAMPLE_CLUSTER = { seed: 1, nodes: 3 };

interface StackOptions {
  partitions: string;
  brokers: string;
  kubeSeed?: string;
  example?: boolean;
  detach?: boolean;
  prometheus: boolean;
}

export function addStackCommand(program: Command): void {
  program
    .command('stack')
    .description('Start a loopback Kafka-protocol broker (with the flowmesh topics), redis-server, a Kubernetes API stand-in and Prometheus (scraping the services\' default ports); print KAFKA_BROKERS=, REDIS_URL=, KUBE_API=, PROMETHEUS= and stay in the foreground')
    .option('--partitions <n>', 'partitions of every flowmesh topic', '12')
    .option('--brokers <n>', 'brokers in the mock cluster', '1')
    .option('--kube-seed <file>', 'YAML file of Kubernetes objects to seed the API stand-in with')
    .option('--example', 'seed the API stand-in with the cluster that `flowmesh agent --source synthetic` simulates (so enriched records name pods and workloads)')
    .option('--detach', 'run in the background and print `export` lines for eval "$(flowmesh stack --detach)"; stop with kill $FLOWMESH_STACK_PID')
    .option('--no-prometheus', 'do not start Prometheus')
    .action(async (opts: StackOptions) => {
      const partitions = Number(opts.partitions);
      const brokers = Number(opts.brokers);
      if (!Number.isInteger(partitions) || partitions < 1 || !Number.isInteger(brokers) || brokers < 1) {
        process.stderr.write('flowmesh stack: --partitions and --brokers must be positive integers\n');
        process.exit(2);
      }
      if (opts.detach) {
        await detachStack(process.argv.slice(process.argv.indexOf('stack') + 1).filter((arg) => arg !== '--detach'));
        return;
      }
      const stack = await startEmbeddedStack({ partitions, brokers, prometheus: opts.prometheus, ...(opts.kubeSeed ? { kubeSeedFile: opts.kubeSeed } : {}) });
      if (opts.example) {
        const objects = kubernetesObjects(syntheticPlan(EXAMPLE_CLUSTER));
        for (const object of objects) stack.kubeApi.standin.create(object);
        process.stdout.write(`# example cluster: ${objects.length} objects, the one \`flowmesh agent --source synthetic\` simulates\n`);
      }
      for (const line of stack.envLines()) process.stdout.write(`${line}\n`);
      process.stdout.write(`# ready: topics have ${partitions} partitions; Ctrl-C stops everything\n`);
      let stopping = false;
      const stop = async (why: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`flowmesh stack: ${why}, stopping\n`);
        await stack.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      if (!process.env[DETACHED_ENV]) onParentDeath(() => void stop('parent process exited'));
    });
}
