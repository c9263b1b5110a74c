/**
 * CRC-64-AVRO (the Rabin fingerprint of the Avro specification), the 8-byte
 * schema fingerprint of Avro single-object encoding. avsc only offers crypto
 * hashes (md5, sha256) for fingerprints, so this small algorithm lives here.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK64 = 0xffffffffffffffffn;

const TABLE: readonly bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK64);
    table.push(fp);
  }
  return table;
})();

/** Fingerprint of a schema's Parsing Canonical Form, as 8 little-endian bytes (the wire order). */
export function crc64Avro(canonicalForm: string): Buffer {
  let fp = EMPTY;
  for (const byte of Buffer.from(canonicalForm, 'utf8')) {
    fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(byte)) & 0xffn)] as bigint);
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp);
  return out;
}
