/** Sizes that follow from the templates (the element table fixes them, whatever the PEN). */
import { DOCUMENTATION_PEN } from './elements.js';
import { MESSAGE_HEADER_BYTES, minimumMessageBytes } from './message-packer.js';
import { RecordWriter } from './record-writer.js';
import { SET_HEADER_BYTES, buildTemplates } from './templates.js';

/** The smallest --mtu: one message must hold either template, or one record with every string empty. */
export const MIN_MESSAGE_BYTES = minimumMessageBytes(buildTemplates(DOCUMENTATION_PEN), RecordWriter.minimumRecordBytes);

/** The largest record a message of `mtu` bytes carries whole. */
export function maxRecordBytes(mtu: number): number {
  return mtu - MESSAGE_HEADER_BYTES - SET_HEADER_BYTES;
}
