/** `flowmesh stack`: runs the embedded stack in the foreground and prints where it listens. */
import type { Command } from 'commander';
import { startEmbeddedStack } from './embedded-stack.js';
import { onParentDeath } from './parent-watch.js';

export function addStackCommand(program: Command): void {
  program
    .command('stack')
    .description('Start a loopback Kafka-protocol broker (with the flowmesh topics), redis-server, a Kubernetes API stand-in and Prometheus (scraping the services\' default ports); print KAFKA_BROKERS=, REDIS_URL=, KUBE_API=, PROMETHEUS= and stay in the foreground')
    .option('--partitions <n>', 'partitions of every flowmesh topic', '12')
    .option('--brokers <n>', 'brokers in the mock cluster', '1')
    .option('--kube-seed <file>', 'YAML file of Kubernetes objects to seed the API stand-in with')
    .option('--no-prometheus', 'do not start Prometheus')
    .action(async (opts: { partitions: string; brokers: string; kubeSeed?: string; prometheus: boolean }) => {
      const partitions = Number(opts.partitions);
      const brokers = Number(opts.brokers);
      if (!Number.isInteger(partitions) || partitions < 1 || !Number.isInteger(brokers) || brokers < 1) {
        process.stderr.write('flowmesh stack: --partitions and --brokers must be positive integers\n');
        process.exit(2);
      }
      const stack = await startEmbeddedStack({ partitions, brokers, prometheus: opts.prometheus, ...(opts.kubeSeed ? { kubeSeedFile: opts.kubeSeed } : {}) });
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
      onParentDeath(() => void stop('parent process exited'));
    });
}
