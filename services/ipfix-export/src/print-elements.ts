/** Prints one element file for a PEN: node --import tsx services/ipfix-export/src/print-elements.ts csv|xml|pmacct [PEN] */
import { DOCUMENTATION_PEN } from './ipfix/elements.js';
import { ELEMENT_FILE_FORMATS, elementFile, type ElementFileFormat } from './element-files.js';

const [format, pen = String(DOCUMENTATION_PEN)] = process.argv.slice(2);
if (!ELEMENT_FILE_FORMATS.includes(format as ElementFileFormat) || !/^\d+$/.test(pen)) {
  console.error(`usage: print-elements.ts ${ELEMENT_FILE_FORMATS.join('|')} [enterprise number]`);
  process.exit(2);
}
process.stdout.write(elementFile(format as ElementFileFormat, Number(pen)));
