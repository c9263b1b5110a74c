/**
 * One "pod process" of the demo's traffic script, run inside a node's netns:
 *   actor tcp-server  <name> <bindIp> <port> <responseBytes>
 *   actor tcp-client  <name> <bindIp> <targetIp> <port> <requestBytes> <requests> <intervalMs>
 *   actor udp-server  <name> <bindIp> <port>
 *   actor udp-client  <name> <bindIp> <targetIp> <port> <datagramBytes> <count> <intervalMs>
 * The TCP exchange is HTTP/1.1 shaped (a POST with a body, a response with a
 * body) over one kept-alive connection. Clients print one JSON line with the
 * exact payload bytes they moved (socket counters), which the end-to-end test
 * compares with what the pipeline reports. requests/count 0 = run until killed.
 */
import { createSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';

const [role = '', name = 'actor', ...args] = process.argv.slice(2);
// Shows as the process name (comm) and command line the agent reports.
process.title = name;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function report(fields: object): void {
  process.stdout.write(`${JSON.stringify({ actor: name, role, ...fields })}\n`);
}

function httpResponse(bodyBytes: number): Buffer {
  const body = Buffer.alloc(bodyBytes, 'r');
  return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${bodyBytes}\r\n\r\n`), body]);
}

function tcpServer(bindIp: string, port: number, responseBytes: number): void {
  const response = httpResponse(responseBytes);
  createServer((socket: Socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // One response per complete request (headers + Content-Length body).
      for (;;) {
        const headerEnd = buffered.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const length = Number(/Content-Length: (\d+)/i.exec(buffered.subarray(0, headerEnd).toString())?.[1] ?? 0);
        if (buffered.length < headerEnd + 4 + length) return;
        buffered = buffered.subarray(headerEnd + 4 + length);
        socket.write(response);
      }
    });
    socket.on('error', () => undefined);
  }).listen(port, bindIp, () => report({ listening: `${bindIp}:${port}` }));
}

async function tcpClient(bindIp: string, targetIp: string, port: number, requestBytes: number, requests: number, intervalMs: number): Promise<void> {
  const socket = connect({ host: targetIp, port, localAddress: bindIp });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const request = Buffer.concat([
    Buffer.from(`POST /items HTTP/1.1\r\nHost: ${targetIp}\r\nContent-Length: ${requestBytes}\r\n\r\n`),
    Buffer.alloc(requestBytes, 'q'),
  ]);
  let pending: (() => void) | undefined;
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const headerEnd = received.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const length = Number(/Content-Length: (\d+)/i.exec(received.subarray(0, headerEnd).toString())?.[1] ?? 0);
    if (received.length >= headerEnd + 4 + length) {
      received = received.subarray(headerEnd + 4 + length);
      pending?.();
    }
  });
  let stop = false;
  process.once('SIGTERM', () => (stop = true));
  for (let i = 0; (requests === 0 || i < requests) && !stop; i++) {
    await new Promise<void>((resolve) => {
      pending = resolve;
      socket.write(request);
    });
    await sleep(intervalMs);
  }
  const local = `${socket.localAddress}:${socket.localPort}`;
  const bytesSent = socket.bytesWritten;
  const bytesReceived = socket.bytesRead;
  await new Promise<void>((resolve) => socket.end(resolve));
  report({ protocol: 6, local, remote: `${targetIp}:${port}`, bytesSent, bytesReceived });
}

function udpServer(bindIp: string, port: number): void {
  const socket = createSocket('udp4');
  socket.on('message', (message, peer) => socket.send(message, peer.port, peer.address));
  socket.bind(port, bindIp, () => report({ listening: `${bindIp}:${port}` }));
}

async function udpClient(bindIp: string, targetIp: string, port: number, size: number, count: number, intervalMs: number): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, bindIp, resolve));
  // A connected UDP socket, as most resolvers and clients use.
  await new Promise<void>((resolve) => socket.connect(port, targetIp, resolve));
  let bytesReceived = 0;
  let waiting: (() => void) | undefined;
  socket.on('message', (message) => {
    bytesReceived += message.length;
    waiting?.();
  });
  let bytesSent = 0;
  let stop = false;
  process.once('SIGTERM', () => (stop = true));
  for (let i = 0; (count === 0 || i < count) && !stop; i++) {
    const reply = new Promise<void>((resolve) => {
      waiting = resolve;
      setTimeout(resolve, 1000);
    });
    socket.send(Buffer.alloc(size, 'd'));
    bytesSent += size;
    await reply;
    await sleep(intervalMs);
  }
  const { address, port: localPort } = socket.address();
  report({ protocol: 17, local: `${address}:${localPort}`, remote: `${targetIp}:${port}`, bytesSent, bytesReceived });
  socket.close();
}

const n = (i: number) => Number(args[i]);
switch (role) {
  case 'tcp-server':
    tcpServer(args[0]!, n(1), n(2));
    break;
  case 'tcp-client':
    await tcpClient(args[0]!, args[1]!, n(2), n(3), n(4), n(5));
    break;
  case 'udp-server':
    udpServer(args[0]!, n(1));
    break;
  case 'udp-client':
    await udpClient(args[0]!, args[1]!, n(2), n(3), n(4), n(5));
    break;
  default:
    process.stderr.write(`actor: unknown role ${role}\n`);
    process.exit(2);
}
