/**
 * Puts the joiner's progress note (read-progress.ts) into the metadata of the
 * offset commits the shared loop makes. The loop has no hook for commit
 * metadata, so this wraps the consumer's commitOffsets; a `commitMetadata`
 * hook on StreamProcessor would replace it.
 */
import type { Consumer } from 'kafkajs';

/** `noteFor` returning null holds that partition's commit back (it is made again once the offset moves on). */
export function attachCommitNotes(consumer: Consumer, topic: string, noteFor: (partition: number, offset: string) => string | null): void {
  const commit = consumer.commitOffsets.bind(consumer);
  consumer.commitOffsets = async (offsets) => {
    const noted = offsets.flatMap((o) => {
      if (o.topic !== topic || o.metadata != null) return [o];
      const metadata = noteFor(o.partition, o.offset);
      return metadata === null ? [] : [{ ...o, metadata }];
    });
    if (noted.length) await commit(noted);
  };
}
