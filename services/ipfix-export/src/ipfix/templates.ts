/**
 * IPFIX templates (RFC 7011 §3.4.1): one for IPv4 flows, one for IPv6 flows,
 * built from the element table, and their withdrawals (§8.1) for shutdown.
 */
import { REVERSE_PEN, elementLength, elementsFor, type Element } from './elements.js';

export const TEMPLATE_SET_ID = 2;
export const TEMPLATE_IDS = { ipv4: 256, ipv6: 257 } as const;
export type TemplateFamily = keyof typeof TEMPLATE_IDS;
export const SET_HEADER_BYTES = 4;

export interface Template {
  id: number;
  family: TemplateFamily;
  elements: readonly Element[];
  /** The whole template set (set header + one template record), ready to go into a message. */
  set: Buffer;
}

function penOf(element: Element, pen: number): number | null {
  if (element.scope === 'iana') return null;
  return element.scope === 'reverse' ? REVERSE_PEN : pen;
}

export function buildTemplate(family: TemplateFamily, pen: number): Template {
  const elements = elementsFor(family);
  const length = SET_HEADER_BYTES + 4 + elements.reduce((sum, e) => sum + (penOf(e, pen) === null ? 4 : 8), 0);
  const set = Buffer.alloc(length);
  set.writeUInt16BE(TEMPLATE_SET_ID, 0);
  set.writeUInt16BE(length, 2);
  set.writeUInt16BE(TEMPLATE_IDS[family], 4);
  set.writeUInt16BE(elements.length, 6);
  let pos = 8;
  for (const element of elements) {
    const enterprise = penOf(element, pen);
    set.writeUInt16BE(enterprise === null ? element.id : 0x8000 | element.id, pos);
    set.writeUInt16BE(elementLength(element), pos + 2);
    pos += 4;
    if (enterprise !== null) {
      set.writeUInt32BE(enterprise, pos);
      pos += 4;
    }
  }
  return { id: TEMPLATE_IDS[family], family, elements, set };
}

export function buildTemplates(pen: number): Template[] {
  return [buildTemplate('ipv4', pen), buildTemplate('ipv6', pen)];
}

/** A template set withdrawing the given templates: each a record with a field count of 0 (§8.1). */
export function withdrawalSet(templateIds: readonly number[]): Buffer {
  const set = Buffer.alloc(SET_HEADER_BYTES + 4 * templateIds.length);
  set.writeUInt16BE(TEMPLATE_SET_ID, 0);
  set.writeUInt16BE(set.length, 2);
  templateIds.forEach((id, i) => set.writeUInt16BE(id, SET_HEADER_BYTES + 4 * i));
  return set;
}
