/** Decodes what `flowmesh tail` reads: Avro (single-object or Confluent framing) of any flowmesh record, or JSON. */
import { RecordCodec, TOPICS, registryFromConfig, type RecordName, type StageConfig } from '@flowmesh/lib';

const RECORD_BY_TOPIC: Record<string, RecordName> = {
  [TOPICS.halves]: 'FlowHalf',
  [TOPICS.joined]: 'JoinedFlow',
  [TOPICS.flows]: 'EnrichedFlow',
};

export type Decode = (value: Buffer) => Promise<unknown>;

export async function decoderFor(topic: string, config: StageConfig): Promise<Decode> {
  const registry = registryFromConfig(config);
  const codecs = await Promise.all(
    (['FlowHalf', 'JoinedFlow', 'EnrichedFlow'] as const).map((name) => RecordCodec.create(name, registry ? { registry, topic: `flowmesh-tail-${name}` } : {})),
  );
  const preferred = RECORD_BY_TOPIC[topic];
  const ordered = [...codecs].sort((a, b) => Number(b.recordName === preferred) - Number(a.recordName === preferred));
  return async (value) => {
    if (value[0] === 0x7b) return JSON.parse(value.toString('utf8')) as unknown; // a JSON topic
    let lastError: unknown;
    for (const codec of ordered) {
      const [result] = await codec.decodeBatch([value]);
      if (result?.ok) return result.value;
      lastError = result?.error;
    }
    throw lastError;
  };
}
