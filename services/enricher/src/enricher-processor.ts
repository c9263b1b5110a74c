/**
 * The enricher as a stage of the shared consumer loop: stateless, each batch of
 * joined flows becomes one batch of output messages (Avro, plus JSON when
 * configured) that completes the batch's input offsets. The input key (the
 * client endpoint) is kept, so a flow stays in the same partition downstream.
 */
import type { InputRecord, InputRef, JoinedFlow, OutputMessage, OutputSink, RecordCodec, StreamProcessor } from '@flowmesh/lib';
import type { BatchEnricher } from './enrich/batch-enricher.js';
import type { EnricherMetrics } from './metrics.js';
import { encodeJson, type JsonShape } from './output/json/json-shapes.js';

export interface JsonOutput {
  topic: string;
  shape: JsonShape;
}

export interface EnricherProcessorOptions {
  enricher: BatchEnricher;
  codec: RecordCodec<'EnrichedFlow'>;
  avroTopic: string;
  json: JsonOutput | null;
  metrics?: EnricherMetrics;
}

export class EnricherProcessor implements StreamProcessor<JoinedFlow> {
  constructor(private readonly options: EnricherProcessorOptions) {}

  async handleBatch(records: readonly InputRecord<JoinedFlow>[], sink: OutputSink): Promise<void> {
    const { enricher, codec, json, metrics, avroTopic } = this.options;
    metrics?.recordsIn.inc(records.length);
    const flows = await enricher.enrich(records.map((record) => record.value));
    const messages: OutputMessage[] = [];
    const completes: InputRef[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const flow = flows[i]!;
      let value: Buffer;
      try {
        value = codec.encode(flow);
      } catch (error) {
        // One unencodable record (a value out of its Avro range) must not stall the partition.
        const raw = record.raw ?? Buffer.from(JSON.stringify(record.value));
        await sink.deadLetter(record, { key: record.key, value: raw }, error);
        continue;
      }
      messages.push({ key: record.key, value, topic: avroTopic });
      if (json) messages.push({ key: record.key, value: encodeJson(json.shape, flow), topic: json.topic });
      completes.push({ partition: record.partition, offset: record.offset });
    }
    await sink.send(messages, completes);
    metrics?.recordsOut.inc({ topic: avroTopic }, completes.length);
    if (json) metrics?.recordsOut.inc({ topic: json.topic }, completes.length);
  }
}
