// A TCP and UDP peer with exactly known byte counts, for the agent tests and benchmark.
//   server <ip> <tcpPort> <udpPort> <plan-json>   prints READY, serves one TCP connection and the UDP datagrams, exits
//   client <ip> <tcpPort> <udpPort> <plan-json>   runs the plan against the server, prints DONE, exits
// plan: { tcp: [{ client, server, pauseMs }], udp: [{ client, server }] }
// Per TCP phase the client writes `client` bytes and reads `server` bytes back;
// per UDP exchange it sends a `client`-byte datagram from an unconnected socket
// and reads a `server`-byte reply.
import dgram from 'node:dgram';
import net from 'node:net';

const [role, host, tcpPortText, udpPortText, planText] = process.argv.slice(2);
const tcpPort = Number(tcpPortText);
const udpPort = Number(udpPortText);
const plan = JSON.parse(planText);

function reader(socket) {
  let buffered = 0;
  let waiting = null;
  socket.on('data', (chunk) => {
    buffered += chunk.length;
    if (waiting && buffered >= waiting.bytes) {
      buffered -= waiting.bytes;
      const done = waiting.resolve;
      waiting = null;
      done();
    }
  });
  return (bytes) =>
    new Promise((resolve) => {
      if (buffered >= bytes) {
        buffered -= bytes;
        resolve();
      } else waiting = { bytes, resolve };
    });
}

const write = (socket, bytes) => new Promise((resolve) => socket.write(Buffer.alloc(bytes, 0x61), resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function server() {
  const udp = dgram.createSocket('udp4');
  let replies = 0;
  udp.on('message', (_message, from) => {
    const exchange = plan.udp[replies++];
    udp.send(Buffer.alloc(exchange.server, 0x62), from.port, from.address);
  });
  await new Promise((resolve) => udp.bind(udpPort, host, resolve));
  const listener = net.createServer(async (socket) => {
    const read = reader(socket);
    for (const phase of plan.tcp) {
      await read(phase.client);
      await write(socket, phase.server);
    }
    socket.on('end', () => socket.end());
    socket.on('close', async () => {
      listener.close();
      while (replies < plan.udp.length) await sleep(20);
      await sleep(50);
      udp.close();
    });
  });
  await new Promise((resolve) => listener.listen(tcpPort, host, resolve));
  console.log('READY');
}

async function client() {
  const socket = net.connect(tcpPort, host);
  await new Promise((resolve) => socket.once('connect', resolve));
  const read = reader(socket);
  for (const phase of plan.tcp) {
    await write(socket, phase.client);
    await read(phase.server);
    await sleep(phase.pauseMs ?? 0);
  }
  const udp = dgram.createSocket('udp4');
  for (const exchange of plan.udp) {
    const reply = new Promise((resolve) => udp.once('message', resolve));
    udp.send(Buffer.alloc(exchange.client, 0x63), udpPort, host);
    await reply;
  }
  udp.close();
  await new Promise((resolve) => socket.end(resolve));
  await new Promise((resolve) => socket.once('close', resolve));
  console.log('DONE');
}

await (role === 'server' ? server() : client());
