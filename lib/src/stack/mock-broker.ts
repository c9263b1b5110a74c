/**
 * The embedded Kafka-protocol broker: librdkafka's mock cluster, run by the
 * small C helper in tools/mockbroker (built on first use against Debian's
 * librdkafka-dev). Loopback only; dies with its parent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { projectPath } from '../runtime/project-files.js';
import { startChild, type Child } from './child.js';

const SOURCE_DIR = projectPath('tools/mockbroker/');

export interface MockBroker {
  /** Bootstrap servers, "127.0.0.1:port,...". */
  bootstrap: string;
  brokers: string[];
  createTopic(topic: string, partitions: number): Promise<void>;
  /** Takes a broker down (-1: all) to test outages; `up` brings it back. */
  down(brokerId: number): Promise<void>;
  up(brokerId: number): Promise<void>;
  /** Fails the next `count` requests of an API (0: Produce) with a Kafka error code. */
  failRequests(apiKey: number, count: number, errorCode: number): Promise<void>;
  stop(): Promise<void>;
}

/** Path of the helper binary, building it when missing (needs gcc and librdkafka-dev). */
export function mockBrokerBinary(): string {
  const binary = `${SOURCE_DIR}mockbroker`;
  if (!existsSync(binary)) {
    try {
      execFileSync('make', ['-s', '-C', SOURCE_DIR], { stdio: 'pipe' });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`cannot build the embedded broker (needs gcc and librdkafka-dev; run scripts/setup.sh): ${stderr}`);
    }
  }
  return binary;
}

export async function startMockBroker(options: { brokers?: number } = {}): Promise<MockBroker> {
  const child: Child = startChild(mockBrokerBinary(), [String(options.brokers ?? 1)]);
  const [, bootstrap = ''] = await child.waitForLine(/^BOOTSTRAP (\S+)$/);
  // Commands are answered in order, one line each.
  let queue: Promise<unknown> = Promise.resolve();
  const command = (line: string): Promise<void> => {
    const result = queue.then(async () => {
      const answer = child.waitForLine(/^(OK|ERR.*)$/);
      child.process.stdin!.write(`${line}\n`);
      const [reply] = await answer;
      if (reply !== 'OK') throw new Error(`mock broker: ${line}: ${reply}`);
    });
    queue = result.catch(() => undefined);
    return result;
  };
  return {
    bootstrap,
    brokers: bootstrap.split(','),
    createTopic: (topic, partitions) => command(`topic ${topic} ${partitions}`),
    down: (id) => command(`down ${id}`),
    up: (id) => command(`up ${id}`),
    failRequests: (apiKey, count, code) => command(`fail ${apiKey} ${count} ${code}`),
    stop: () => {
      child.process.stdin!.end();
      return child.stop();
    },
  };
}
