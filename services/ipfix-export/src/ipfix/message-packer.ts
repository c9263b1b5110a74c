/**
 * Packs encoded records into IPFIX messages (RFC 7011 §3.1) for one transport
 * session: the 16-byte header with export time, the session's sequence number
 * (data records sent before this message, §3.1) and the observation domain,
 * then data sets of consecutive records of one template. No message exceeds
 * `maxMessageBytes`, and a record is never split across messages.
 */
import type { EncodedRecord } from './record-writer.js';
import { SET_HEADER_BYTES, withdrawalSet, type Template } from './templates.js';

export const IPFIX_VERSION = 10;
export const MESSAGE_HEADER_BYTES = 16;

export interface PackerOptions {
  observationDomainId: number;
  maxMessageBytes: number;
  templates: readonly Template[];
  /** Wall clock in ms (tests fix it). */
  now?: () => number;
}

export interface PackedMessage {
  bytes: Buffer;
  /** Data records it carries. */
  records: number;
}

export class MessagePacker {
  /** Data records sent in this session so far, modulo 2^32: the next message's sequence number. */
  private sequence = 0;
  private readonly now: () => number;

  constructor(private readonly options: PackerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A new transport session (a TCP reconnect) numbers its messages from 0 again. */
  resetSession(): void {
    this.sequence = 0;
  }

  /** The template sets, as few messages as the size limit allows. */
  templateMessages(): Buffer[] {
    return this.setsInMessages(this.options.templates.map((t) => t.set));
  }

  /** Withdraws every template (TCP shutdown, §8.1). */
  withdrawalMessage(): Buffer {
    return this.setsInMessages([withdrawalSet(this.options.templates.map((t) => t.id))])[0]!;
  }

  /**
   * Packs the records; `templatesDue`, asked before each data message, puts
   * the template messages in front of it when it says so (UDP refresh), with
   * sequence numbers in the order the messages go out.
   */
  pack(records: readonly EncodedRecord[], templatesDue: () => boolean = () => false): PackedMessage[] {
    const limit = this.options.maxMessageBytes;
    const messages: PackedMessage[] = [];
    let message: Buffer | null = null;
    let pos = 0;
    let setStart = -1;
    let setTemplate = -1;
    let count = 0;
    const closeSet = () => {
      if (message && setStart >= 0) message.writeUInt16BE(pos - setStart, setStart + 2);
      setStart = -1;
    };
    const closeMessage = () => {
      if (!message) return;
      closeSet();
      if (templatesDue()) for (const bytes of this.templateMessages()) messages.push({ bytes, records: 0 });
      messages.push({ bytes: this.finish(message.subarray(0, pos), count), records: count });
      message = null;
    };
    for (const record of records) {
      const needed = record.bytes.length + (setStart >= 0 && setTemplate === record.templateId ? 0 : SET_HEADER_BYTES);
      if (message && pos + needed > limit) closeMessage();
      if (!message) {
        message = Buffer.allocUnsafe(limit);
        pos = MESSAGE_HEADER_BYTES;
        count = 0;
      }
      if (setStart < 0 || setTemplate !== record.templateId) {
        closeSet();
        setStart = pos;
        setTemplate = record.templateId;
        message.writeUInt16BE(record.templateId, pos);
        pos += SET_HEADER_BYTES;
      }
      record.bytes.copy(message, pos);
      pos += record.bytes.length;
      count++;
    }
    closeMessage();
    return messages;
  }

  /** Whole sets (templates, withdrawals) in messages; no data records. */
  private setsInMessages(sets: readonly Buffer[]): Buffer[] {
    const messages: Buffer[] = [];
    let group: Buffer[] = [];
    let size = MESSAGE_HEADER_BYTES;
    for (const set of sets) {
      if (group.length && size + set.length > this.options.maxMessageBytes) {
        messages.push(this.finish(Buffer.concat([Buffer.alloc(MESSAGE_HEADER_BYTES), ...group]), 0));
        group = [];
        size = MESSAGE_HEADER_BYTES;
      }
      group.push(set);
      size += set.length;
    }
    if (group.length) messages.push(this.finish(Buffer.concat([Buffer.alloc(MESSAGE_HEADER_BYTES), ...group]), 0));
    return messages;
  }

  /** Writes the header into the message's first 16 bytes and moves the sequence on. */
  private finish(message: Buffer, records: number): Buffer {
    message.writeUInt16BE(IPFIX_VERSION, 0);
    message.writeUInt16BE(message.length, 2);
    message.writeUInt32BE(Math.floor(this.now() / 1000) >>> 0, 4);
    message.writeUInt32BE(this.sequence, 8);
    message.writeUInt32BE(this.options.observationDomainId >>> 0, 12);
    this.sequence = (this.sequence + records) % 0x1_0000_0000;
    return message;
  }
}

/** The smallest message limit that still carries every template and any record (all strings empty). */
export function minimumMessageBytes(templates: readonly Template[], minimumRecordBytes: (t: Template) => number): number {
  return MESSAGE_HEADER_BYTES + Math.max(...templates.map((t) => Math.max(t.set.length, SET_HEADER_BYTES + minimumRecordBytes(t))));
}
