/**
 * A minimal MaxMind DB (MMDB v2) writer for tests: no well-kept writer exists on
 * npm, and real GeoLite2 files cannot be fetched here. Builds an IPv6 tree
 * (IPv4 networks live under ::/96, as in MaxMind's own files) with 24-bit
 * records and no data de-duplication. Spec: MaxMind DB File Format 2.0.
 */

export type MmdbValue = string | number | bigint | boolean | MmdbValue[] | { [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** e.g. "203.0.113.0/24" or "2001:db8::/32". */
  cidr: string;
  data: { [key: string]: MmdbValue };
}

export interface MmdbOptions {
  databaseType: string;
  networks: readonly MmdbNetwork[];
  languages?: string[];
  description?: string;
}

const METADATA_MARKER = Buffer.from('ABCDEF4D61784D696E642E636F6D', 'hex');
const RECORD_BITS = 24;

type Slot = { node: number } | { data: number } | null;

export function buildMmdb(options: MmdbOptions): Buffer {
  const data = new DataSection();
  const tree: [Slot, Slot][] = [[null, null]];
  // Shorter prefixes first, so a longer one refines a leaf instead of being overwritten.
  const networks = [...options.networks].sort((a, b) => prefixBits(a.cidr).length - prefixBits(b.cidr).length);
  for (const network of networks) {
    insert(tree, prefixBits(network.cidr), data.add(network.data));
  }

  const nodeCount = tree.length;
  const recordValue = (slot: Slot): number => {
    if (slot === null) return nodeCount; // "no data"
    if ('node' in slot) return slot.node;
    return nodeCount + 16 + slot.data;
  };
  const treeBytes = Buffer.alloc(nodeCount * ((RECORD_BITS * 2) / 8));
  tree.forEach(([left, right], i) => {
    treeBytes.writeUIntBE(recordValue(left), i * 6, 3);
    treeBytes.writeUIntBE(recordValue(right), i * 6 + 3, 3);
  });

  const metadata = encodeValue({
    node_count: nodeCount,
    record_size: RECORD_BITS,
    ip_version: 6,
    database_type: options.databaseType,
    languages: options.languages ?? ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: BigInt(Math.floor(Date.now() / 1000)),
    description: { en: options.description ?? 'flowmesh test database' },
  });
  return Buffer.concat([treeBytes, Buffer.alloc(16), data.bytes(), METADATA_MARKER, metadata]);
}

function insert(tree: [Slot, Slot][], bits: readonly number[], dataOffset: number): void {
  let node = 0;
  bits.forEach((bit, depth) => {
    const pair = tree[node]!;
    const last = depth === bits.length - 1;
    if (last) {
      pair[bit] = { data: dataOffset };
      return;
    }
    const slot = pair[bit] ?? null;
    if (slot !== null && 'node' in slot) {
      node = slot.node;
      return;
    }
    // Split an empty slot or a wider network's leaf: both halves keep what was there.
    tree.push([slot, slot]);
    node = tree.length - 1;
    pair[bit] = { node };
  });
}

/** The network's prefix as bits of an IPv6 address (IPv4 mapped under ::/96). */
function prefixBits(cidr: string): number[] {
  const [address = '', lengthText = ''] = cidr.split('/');
  const v4 = address.includes('.');
  const bytes = v4 ? [...new Array<number>(12).fill(0), ...address.split('.').map(Number)] : ipv6Bytes(address);
  const length = Number(lengthText) + (v4 ? 96 : 0);
  const bits: number[] = [];
  for (let i = 0; i < length; i++) bits.push((bytes[i >> 3]! >> (7 - (i & 7))) & 1);
  return bits;
}

function ipv6Bytes(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const groups = (text: string) => (text === '' ? [] : text.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

class DataSection {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  /** Appends a value and returns its offset in the data section. */
  add(value: MmdbValue): number {
    const offset = this.length;
    const bytes = encodeValue(value);
    this.chunks.push(bytes);
    this.length += bytes.length;
    return offset;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const TYPE = { utf8: 2, double: 3, uint16: 5, uint32: 6, map: 7, int32: 8, uint64: 9, array: 11, boolean: 14 } as const;

function encodeValue(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const payload = Buffer.from(value, 'utf8');
    return Buffer.concat([header(TYPE.utf8, payload.length), payload]);
  }
  if (typeof value === 'boolean') return header(TYPE.boolean, value ? 1 : 0);
  if (typeof value === 'bigint') return withPayload(TYPE.uint64, unsignedBytes(value));
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      const payload = Buffer.alloc(8);
      payload.writeDoubleBE(value);
      return withPayload(TYPE.double, payload);
    }
    if (value < 0) {
      const payload = Buffer.alloc(4);
      payload.writeInt32BE(value);
      return withPayload(TYPE.int32, payload);
    }
    return withPayload(value <= 0xffff ? TYPE.uint16 : TYPE.uint32, unsignedBytes(BigInt(value)));
  }
  if (Array.isArray(value)) return Buffer.concat([header(TYPE.array, value.length), ...value.map(encodeValue)]);
  const entries = Object.entries(value);
  return Buffer.concat([header(TYPE.map, entries.length), ...entries.flatMap(([k, v]) => [encodeValue(k), encodeValue(v)])]);
}

function withPayload(type: number, payload: Buffer): Buffer {
  return Buffer.concat([header(type, payload.length), payload]);
}

function unsignedBytes(value: bigint): Buffer {
  const bytes: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Buffer.from(bytes);
}

/** Control byte(s): type in the top 3 bits (0 + an extra byte for extended types), then the size. */
function header(type: number, size: number): Buffer {
  const [sizeBits, sizeExtra] =
    size < 29 ? [size, []] : size < 285 ? [29, [size - 29]] : size < 65_821 ? [30, [(size - 285) >> 8, (size - 285) & 0xff]] : [31, [(size - 65_821) >> 16, ((size - 65_821) >> 8) & 0xff, (size - 65_821) & 0xff]];
  const typeBytes = type <= 7 ? [(type << 5) | sizeBits] : [sizeBits, type - 7];
  return Buffer.from([...typeBytes, ...sizeExtra]);
}
