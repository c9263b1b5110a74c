/**
 * The two Avro framings flowmesh reads and writes:
 * - single-object encoding: 0xC3 0x01, then the 8-byte CRC-64-AVRO fingerprint (LE), then the body;
 * - Confluent Schema Registry wire format: 0x00, then the 4-byte schema id (BE), then the body.
 */
import { DecodeError } from './errors.js';

export const SINGLE_OBJECT_MAGIC = Buffer.from([0xc3, 0x01]);
const SINGLE_OBJECT_HEADER = 10;
const CONFLUENT_HEADER = 5;

export type Framing =
  /**
   * The 8 fingerprint bytes as two little-endian 32-bit halves: numbers are
   * cheap map keys, where one 64-bit BigInt costs allocations per message.
   */
  | { kind: 'single-object'; fingerprintLow: number; fingerprintHigh: number; bodyOffset: number }
  | { kind: 'confluent'; schemaId: number; bodyOffset: number };

export function readFraming(message: Buffer): Framing {
  if (message.length === 0) throw new DecodeError('empty', 'message has no bytes');
  if (message[0] === 0xc3 && message[1] === 0x01) {
    if (message.length < SINGLE_OBJECT_HEADER) {
      throw new DecodeError('unknown-framing', `single-object header needs ${SINGLE_OBJECT_HEADER} bytes, got ${message.length}`);
    }
    return { kind: 'single-object', fingerprintLow: message.readUInt32LE(2), fingerprintHigh: message.readUInt32LE(6), bodyOffset: SINGLE_OBJECT_HEADER };
  }
  if (message[0] === 0x00) {
    if (message.length < CONFLUENT_HEADER) {
      throw new DecodeError('unknown-framing', `Confluent header needs ${CONFLUENT_HEADER} bytes, got ${message.length}`);
    }
    return { kind: 'confluent', schemaId: message.readUInt32BE(1), bodyOffset: CONFLUENT_HEADER };
  }
  throw new DecodeError(
    'unknown-framing',
    `first byte 0x${message[0]?.toString(16).padStart(2, '0')} is neither Avro single-object (0xC3 0x01) nor Confluent (0x00)`,
  );
}

/** A fingerprint as read by readFraming, as the hex of its bytes (for messages). */
export function fingerprintHex(low: number, high: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt32LE(low, 0);
  bytes.writeUInt32LE(high, 4);
  return bytes.toString('hex');
}

export function singleObjectHeader(fingerprint: Buffer): Buffer {
  return Buffer.concat([SINGLE_OBJECT_MAGIC, fingerprint]);
}

export function confluentHeader(schemaId: number): Buffer {
  const header = Buffer.alloc(CONFLUENT_HEADER);
  header.writeUInt32BE(schemaId, 1);
  return header;
}
