/**
 * The enterprise elements in the formats collectors load, generated from the
 * element table for a given PEN: an IANA-registry-style CSV and XML, and a
 * pmacct `aggregate_primitives` file (nfacctd prints custom fields with it).
 * `node --import tsx services/ipfix-export/src/print-elements.ts csv|xml|pmacct [PEN]` prints one.
 */
import { ELEMENTS, type Element } from './ipfix/elements.js';

export const ELEMENT_FILE_FORMATS = ['csv', 'xml', 'pmacct'] as const;
export type ElementFileFormat = (typeof ELEMENT_FILE_FORMATS)[number];

const enterpriseElements = (): Element[] => ELEMENTS.filter((e) => e.scope === 'enterprise');

/** IANA data type semantics (RFC 7012 §3.2) of our elements. */
function semantics(element: Element): string {
  if (element.type === 'string') return 'default';
  return /Count|Retransmits/.test(element.name) ? 'deltaCounter' : element.name.endsWith('Id') || element.name.endsWith('Port') ? 'identifier' : 'quantity';
}

const csvCell = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function elementsCsv(pen: number): string {
  const rows = [['ElementID', 'Name', 'Abstract Data Type', 'Data Type Semantics', 'Status', 'Description', 'Units', 'Range', 'Additional Information', 'Reference', 'Revision', 'Date', 'Enterprise Number']];
  for (const e of enterpriseElements()) {
    rows.push([String(e.id), e.name, e.type, semantics(e), 'current', `${e.doc} (EnrichedFlow: ${e.source})`, e.name.includes('Microseconds') ? 'microseconds' : '', '', '', 'flowmesh docs/ipfix.md', '0', '', String(pen)]);
  }
  return rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

export function elementsXml(pen: number): string {
  const records = enterpriseElements().map((e) =>
    [
      '    <record>',
      `      <name>${e.name}</name>`,
      `      <dataType>${e.type}</dataType>`,
      `      <dataTypeSemantics>${semantics(e)}</dataTypeSemantics>`,
      `      <elementId>${e.id}</elementId>`,
      `      <enterpriseId>${pen}</enterpriseId>`,
      '      <status>current</status>',
      `      <description><paragraph>${xmlText(e.doc)} (EnrichedFlow: ${xmlText(e.source)})</paragraph></description>`,
      '    </record>',
    ].join('\n'),
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- flowmesh IPFIX enterprise information elements, enterprise number ${pen} -->`,
    '<registry xmlns="http://www.iana.org/assignments" id="ipfix">',
    '  <title>flowmesh IPFIX Information Elements</title>',
    '  <registry id="ipfix-information-elements">',
    ...records,
    '  </registry>',
    '</registry>',
    '',
  ].join('\n');
}

/** Primitive names for pmacct: flowmeshSourcePodName → flowmesh_source_pod_name. */
export function pmacctName(element: Element): string {
  return element.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function pmacctPrimitives(pen: number): string {
  const lines = [`! flowmesh enterprise elements (PEN ${pen}) for nfacctd: aggregate_primitives: <this file>`];
  for (const e of enterpriseElements()) {
    const [len, semantic] = e.type === 'string' ? ['vlen', 'str'] : [String(e.type === 'unsigned16' ? 2 : 4), 'u_int'];
    lines.push(`name=${pmacctName(e)}\tfield_type=${pen}:${e.id}\tlen=${len}\tsemantics=${semantic}`);
  }
  return lines.join('\n') + '\n';
}

export function elementFile(format: ElementFileFormat, pen: number): string {
  return format === 'csv' ? elementsCsv(pen) : format === 'xml' ? elementsXml(pen) : pmacctPrimitives(pen);
}

/** The element table of docs/ipfix.md (between its markers; a test keeps it current). */
export function elementsMarkdown(): string {
  const rows = ['| id | PEN | name | type | meaning | EnrichedFlow field |', '|---|---|---|---|---|---|'];
  for (const e of ELEMENTS) {
    const pen = e.scope === 'iana' ? 'IANA' : e.scope === 'reverse' ? '29305 (RFC 5103)' : 'yours (32473)';
    const family = e.family === 'both' ? '' : ` (${e.family === 'ipv4' ? 'IPv4' : 'IPv6'} template)`;
    rows.push(`| ${e.id} | ${pen} | \`${e.name}\` | ${e.type} | ${e.doc.replace(/\|/g, '\\|')}${family} | \`${e.source}\` |`);
  }
  return rows.join('\n') + '\n';
}
