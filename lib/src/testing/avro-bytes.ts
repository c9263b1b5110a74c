/** Avro bytes written by hand, for tests of byte readers: what avsc will not write (longs past 2^52, negatives exactly). */

/** The zigzag varint of a long, exact for any integer (BigInt arithmetic). */
export function zigzagVarint(value: number | bigint): Buffer {
  const n = BigInt(value);
  let z = n < 0n ? -2n * n - 1n : 2n * n;
  const bytes: number[] = [];
  do {
    const low = Number(z & 0x7fn);
    z >>= 7n;
    bytes.push(z ? low | 0x80 : low);
  } while (z);
  return Buffer.from(bytes);
}
