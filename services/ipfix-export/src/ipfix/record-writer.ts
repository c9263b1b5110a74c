/**
 * Encodes one EnrichedFlow as an IPFIX data record of its address family's
 * template (RFC 7011 §3.4.3), with variable-length strings per §7. A record
 * never exceeds `maxRecordBytes`, so it always fits one message whole: when the
 * strings would overflow it, the longest are cut to a common length (at a UTF-8
 * character boundary) so that it fits, and the record counts as truncated.
 */
import { parseIpv4, parseIpv6, type EnrichedFlow } from '@flowmesh/lib';
import { FIXED_LENGTH, type Element } from './elements.js';
import type { Template, TemplateFamily } from './templates.js';

export interface EncodedRecord {
  templateId: number;
  bytes: Buffer;
}

/** The longest string a variable-length field can carry (§7: a 16-bit length). */
const MAX_FIELD_BYTES = 65_535;

export class RecordWriter {
  private readonly byFamily: Record<TemplateFamily, Template>;
  private readonly scratch: Buffer;
  private readonly stringCount: Record<TemplateFamily, number>;
  private readonly maxStringBytes: number;

  /** `onTruncated` hears of each record whose strings were cut to fit. */
  constructor(
    templates: readonly Template[],
    private readonly maxRecordBytes: number,
    private readonly onTruncated: () => void = () => {},
  ) {
    this.byFamily = Object.fromEntries(templates.map((t) => [t.family, t])) as Record<TemplateFamily, Template>;
    this.stringCount = Object.fromEntries(templates.map((t) => [t.family, t.elements.filter((e) => e.type === 'string').length])) as Record<TemplateFamily, number>;
    this.maxStringBytes = Math.min(MAX_FIELD_BYTES, maxRecordBytes);
    const fixed = Math.max(...templates.map((t) => t.elements.reduce((sum, e) => sum + (e.type === 'string' ? 3 : FIXED_LENGTH[e.type]), 0)));
    const strings = Math.max(...Object.values(this.stringCount));
    this.scratch = Buffer.alloc(fixed + strings * this.maxStringBytes);
  }

  /** The smallest record a template can produce (every string empty). */
  static minimumRecordBytes(template: Template): number {
    return template.elements.reduce((sum, e) => sum + (e.type === 'string' ? 1 : FIXED_LENGTH[e.type]), 0);
  }

  encode(flow: EnrichedFlow): EncodedRecord {
    const family = familyOf(flow);
    const template = this.byFamily[family];
    let length = this.write(template.elements, flow, null);
    if (length > this.maxRecordBytes) {
      length = this.write(template.elements, flow, this.stringBudgets(template.elements, flow));
      this.onTruncated();
    }
    const bytes = Buffer.allocUnsafe(length);
    this.scratch.copy(bytes, 0, 0, length);
    return { templateId: template.id, bytes };
  }

  /** Writes the record into the scratch buffer; `budgets` caps each string field (in template order), null: no caps. */
  private write(elements: readonly Element[], flow: EnrichedFlow, budgets: number[] | null): number {
    const out = this.scratch;
    let pos = 0;
    let stringIndex = 0;
    for (const element of elements) {
      switch (element.type) {
        case 'string': {
          const cap = budgets ? budgets[stringIndex++]! : this.maxStringBytes;
          const value = element.value(flow);
          const written = value.length <= SHORT_ASCII && value.length <= cap ? writeShort(out, pos + 1, value, cap) : value.length === 0 || cap === 0 ? 0 : out.write(value, pos + 1, cap, 'utf8');
          if (written < 255) {
            out[pos] = written;
            pos += 1 + written;
          } else {
            // Long form: 255 then a 16-bit length, so the text moves two bytes on.
            out.copyWithin(pos + 3, pos + 1, pos + 1 + written);
            out[pos] = 255;
            out.writeUInt16BE(written, pos + 1);
            pos += 3 + written;
          }
          break;
        }
        case 'ipv4Address':
          out.writeUInt32BE(ipv4(element.value(flow)), pos);
          pos += 4;
          break;
        case 'ipv6Address':
          for (const group of ipv6(element.value(flow))) {
            out.writeUInt16BE(group, pos);
            pos += 2;
          }
          break;
        case 'unsigned8':
          out[pos] = clamp(element.value(flow), 0xff);
          pos += 1;
          break;
        case 'unsigned16':
          out.writeUInt16BE(clamp(element.value(flow), 0xffff), pos);
          pos += 2;
          break;
        case 'unsigned32':
          out.writeUInt32BE(clamp(element.value(flow), 0xffff_ffff), pos);
          pos += 4;
          break;
        case 'unsigned64':
        case 'dateTimeMilliseconds': {
          const value = clamp(element.value(flow), Number.MAX_SAFE_INTEGER);
          out.writeUInt32BE(Math.floor(value / 0x1_0000_0000), pos);
          out.writeUInt32BE(value >>> 0, pos + 4);
          pos += 8;
          break;
        }
        case 'float64':
          out.writeDoubleBE(element.value(flow), pos);
          pos += 8;
          break;
      }
    }
    return pos;
  }

  /**
   * Byte caps for the string fields so that the record fits: one common cap,
   * the largest that fits, so the longest strings are cut and short ones
   * (names, namespaces) stay whole.
   */
  private stringBudgets(elements: readonly Element[], flow: EnrichedFlow): number[] {
    const lengths = elements.filter((e) => e.type === 'string').map((e) => Math.min(this.maxStringBytes, Buffer.byteLength(e.value(flow) as string, 'utf8')));
    const fixed = elements.reduce((sum, e) => sum + (e.type === 'string' ? 0 : FIXED_LENGTH[e.type]), 0);
    const size = (cap: number) => lengths.reduce((sum, n) => sum + Math.min(n, cap) + (Math.min(n, cap) < 255 ? 1 : 3), fixed);
    let low = 0;
    let high = Math.max(0, ...lengths);
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (size(mid) <= this.maxRecordBytes) low = mid;
      else high = mid - 1;
    }
    return lengths.map((n) => Math.min(n, low));
  }
}

/** Strings up to this length are copied character by character while ASCII: most names are, and a native write per field costs more. */
const SHORT_ASCII = 64;

function writeShort(out: Buffer, at: number, value: string, cap: number): number {
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 127) return out.write(value, at, cap, 'utf8');
    out[at + i] = c;
  }
  return n;
}

export function familyOf(flow: EnrichedFlow): TemplateFamily {
  const src = flow.src_addr.includes(':');
  const dst = flow.dst_addr.includes(':');
  if (src !== dst) throw new Error(`mixed address families: ${flow.src_addr} -> ${flow.dst_addr}`);
  return src ? 'ipv6' : 'ipv4';
}

function ipv4(text: string): number {
  const value = parseIpv4(text);
  if (value === null) throw new Error(`not an IPv4 address: ${JSON.stringify(text)}`);
  return value;
}

function ipv6(text: string): number[] {
  const groups = parseIpv6(text);
  if (groups === null) throw new Error(`not an IPv6 address: ${JSON.stringify(text)}`);
  return groups;
}

function clamp(value: number, max: number): number {
  if (!(value > 0)) return 0;
  return value > max ? max : Math.floor(value);
}
