// A tiny authoritative DNS server for tests: answers A queries for the names it
// is given (NAME=IP) and NXDOMAIN for every other name. Import startDnsServer,
// or run it: node dns-server.mjs HOST PORT NAME=IP... (prints "DNS-READY").
import { createSocket } from 'node:dgram';

function questionName(message, offset) {
  const labels = [];
  while (message[offset] !== 0) {
    const length = message[offset];
    labels.push(message.subarray(offset + 1, offset + 1 + length).toString('latin1'));
    offset += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: offset + 1 };
}

export function answer(query, records) {
  const { name, end } = questionName(query, 12);
  const type = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const address = records.get(name);
  const answers = address && type === 1 ? 1 : 0;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (address ? 0 : 3), 2); // response, authoritative, RD echoed, NXDOMAIN
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers, 6);
  if (!answers) return Buffer.concat([header, question]);
  const record = Buffer.alloc(16);
  record.writeUInt16BE(0xc00c, 0); // the question's name
  record.writeUInt16BE(1, 2);
  record.writeUInt16BE(1, 4);
  record.writeUInt32BE(30, 6);
  record.writeUInt16BE(4, 10);
  address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
  return Buffer.concat([header, question, record]);
}

/** Starts the server; resolves with { port, queries(), close() }. */
export function startDnsServer(host, port, records) {
  const names = new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v]));
  const socket = createSocket('udp4');
  let queries = 0;
  socket.on('message', (message, from) => {
    queries += 1;
    try {
      socket.send(answer(message, names), from.port, from.address);
    } catch {
      // not a query we understand: no answer, as a broken resolver would do
    }
  });
  return new Promise((resolve) =>
    socket.bind(port, host, () => resolve({ port: socket.address().port, queries: () => queries, close: () => new Promise((done) => socket.close(done)) })),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [host, port, ...pairs] = process.argv.slice(2);
  await startDnsServer(host, Number(port), Object.fromEntries(pairs.map((p) => p.split('='))));
  process.stdout.write('DNS-READY\n');
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}
