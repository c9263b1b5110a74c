/**
 * Publishes flow halves to flowmesh.halves.v1, keyed by the client endpoint
 * (Kafka's default partitioner, Java's murmur2, so that every producer puts a
 * key in the same partition). Sending runs in the background so a slow broker
 * never delays the next window's drain; halves Kafka did not take are retried
 * with the next window, up to a bound beyond which the oldest are dropped and
 * counted.
 */
import type { FlowHalf, FlowProducer, Logger, RecordCodec } from '@flowmesh/lib';
import { halfKey } from './halves/build-half.js';
import type { AgentMetrics } from './metrics.js';

export interface PublisherOptions {
  topic: string;
  /** Most halves held while Kafka is unavailable. */
  maxBuffered: number;
  /** Halves per produce request. */
  batchSize?: number;
}

const protocolLabel = (protocol: number) => (protocol === 6 ? 'tcp' : protocol === 17 ? 'udp' : String(protocol));

export class HalfPublisher {
  private buffer: FlowHalf[] = [];
  private sending: Promise<void> | undefined;
  private lastSendFailed = false;

  constructor(
    private readonly producer: FlowProducer,
    private readonly codec: RecordCodec<'FlowHalf'>,
    private readonly metrics: AgentMetrics,
    private readonly logger: Logger,
    private readonly options: PublisherOptions,
  ) {}

  get buffered(): number {
    return this.buffer.length;
  }

  /** Readiness: true while Kafka takes what we send. */
  health(): true | string {
    return !this.lastSendFailed || `Kafka not accepting halves (${this.buffer.length} waiting)`;
  }

  /** Queues the halves and starts sending everything queued, unless a send is under way. */
  enqueue(halves: readonly FlowHalf[]): void {
    for (const half of halves) this.buffer.push(half);
    const overflow = this.buffer.length - this.options.maxBuffered;
    if (overflow > 0) {
      this.buffer.splice(0, overflow);
      this.metrics.halvesDropped.inc(overflow);
      this.logger.error({ dropped: overflow }, 'publish buffer full: dropped the oldest halves');
    }
    this.metrics.publishBuffered.set(this.buffer.length);
    this.sending ??= this.sendBuffered().then(() => {
      this.sending = undefined;
      this.metrics.publishBuffered.set(this.buffer.length);
    });
  }

  /** Waits for the send under way, then tries once more for what is left. */
  async flush(): Promise<void> {
    await this.sending;
    if (this.buffer.length) await this.sendBuffered();
    this.metrics.publishBuffered.set(this.buffer.length);
  }

  private async sendBuffered(): Promise<boolean> {
    const batchSize = this.options.batchSize ?? 5000;
    while (this.buffer.length) {
      const batch = this.buffer.slice(0, batchSize);
      try {
        await this.producer.producer.send({
          topic: this.options.topic,
          compression: this.producer.compression,
          messages: batch.map((half) => ({ key: halfKey(half), value: this.codec.encode(half), timestamp: String(half.window_end) })),
        });
      } catch (error) {
        this.lastSendFailed = true;
        this.metrics.publishErrors.inc();
        this.logger.warn({ err: (error as Error).message, waiting: this.buffer.length }, 'publishing halves failed; retrying with the next window');
        return false;
      }
      this.lastSendFailed = false;
      this.buffer.splice(0, batch.length);
      const counts = new Map<string, number>();
      for (const half of batch) {
        const labels = `${protocolLabel(half.protocol)}|${half.vantage}`;
        counts.set(labels, (counts.get(labels) ?? 0) + 1);
      }
      for (const [labels, count] of counts) {
        const [protocol = '', vantage = ''] = labels.split('|');
        this.metrics.halvesPublished.inc({ protocol, vantage }, count);
      }
    }
    return true;
  }
}
