/**
 * The enricher as a stage of the shared consumer loop: stateless, each batch of
 * joined flows becomes one batch of output messages (Avro, plus JSON when
 * configured) that completes the batch's input offsets. The input key (the
 * client endpoint) is kept, so a flow stays in the same partition downstream.
 *
 * The input is decoded only as far as the lookups need (joinedFactsProjection);
 * the Avro output is written from the input's bytes and what was resolved
 * (EnrichedFlowWriter). The JSON shapes take the record as an object, built
 * only when a JSON output is configured.
 */
import { latestSchema, type InputRecord, type InputRef, type JoinedFlow, type OutputMessage, type OutputSink, type RecordCodec, type StreamProcessor } from '@flowmesh/lib';
import type { BatchEnricher } from './enrich/batch-enricher.js';
import type { JoinedFacts } from './enrich/joined-facts.js';
import { toEnrichedFlow, type FlowContext } from './enrich/to-enriched-flow.js';
import type { EnricherMetrics } from './metrics.js';
import { EnrichedFlowWriter } from './output/avro/enriched-flow-writer.js';
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

const joinedType = latestSchema('JoinedFlow').type;

export class EnricherProcessor implements StreamProcessor<JoinedFacts> {
  private readonly writer: EnrichedFlowWriter;

  constructor(private readonly options: EnricherProcessorOptions) {
    this.writer = new EnrichedFlowWriter(options.codec);
  }

  /** Why Avro records are encoded from objects instead of written from bytes (a schema the writer does not know); null normally. */
  get fallbackReason(): string | null {
    return this.writer.fallbackReason;
  }

  async handleBatch(records: readonly InputRecord<JoinedFacts>[], sink: OutputSink): Promise<void> {
    const { enricher, json, metrics, avroTopic } = this.options;
    metrics?.recordsIn.inc(records.length);
    const contexts = await enricher.resolve(records.map((record) => record.value));
    const messages: OutputMessage[] = [];
    const completes: InputRef[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const context = contexts[i]!;
      let value: Buffer;
      try {
        value = this.writer.write(bodyOf(record), context);
      } catch (error) {
        // One unencodable record (a value out of its Avro range) must not stall the partition.
        const raw = record.raw ?? Buffer.from(JSON.stringify(record.value));
        await sink.deadLetter(record, { key: record.key, value: raw }, error);
        continue;
      }
      messages.push({ key: record.key, value, topic: avroTopic });
      if (json) messages.push({ key: record.key, value: encodeJson(json.shape, wholeFlow(record, context)), topic: json.topic });
      completes.push({ partition: record.partition, offset: record.offset });
    }
    await sink.send(messages, completes);
    metrics?.recordsOut.inc({ topic: avroTopic }, completes.length);
    if (json) metrics?.recordsOut.inc({ topic: json.topic }, completes.length);
  }
}

/** The record's JoinedFlow body; the projection always keeps it (a record handed over without one is a wiring error). */
function bodyOf(record: InputRecord<JoinedFacts>): Buffer {
  if (!record.body) throw new Error('joined flow without its body: the enricher decodes its input with joinedFactsProjection');
  return record.body;
}

function wholeFlow(record: InputRecord<JoinedFacts>, context: FlowContext) {
  return toEnrichedFlow(joinedType.fromBuffer(bodyOf(record)) as JoinedFlow, context);
}
