// Joins loopback ports across network namespaces through UNIX sockets (which a
// network namespace does not isolate). Run inside a namespace, each argument is
//   tcp:PORT=unix:PATH   listen on 127.0.0.1:PORT here, forward to the UNIX socket PATH
//   unix:PATH=tcp:PORT   listen on the UNIX socket PATH, forward to 127.0.0.1:PORT here
// Prints "BRIDGE-READY" once every listener is up; exits when stdin closes.
import { unlinkSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const pipe = (client, target) => {
  const upstream = connect(target);
  upstream.setNoDelay?.(true);
  client.setNoDelay?.(true);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
};

const listening = process.argv.slice(2).map((spec) => {
  const match = /^(tcp|unix):(.+)=(tcp|unix):(.+)$/.exec(spec);
  if (!match) throw new Error(`bad bridge spec ${spec}`);
  const [, fromKind, from, toKind, to] = match;
  const target = toKind === 'tcp' ? { host: '127.0.0.1', port: Number(to) } : { path: to };
  const server = createServer((client) => pipe(client, target));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (fromKind === 'tcp') server.listen(Number(from), '127.0.0.1', resolve);
    else {
      try {
        unlinkSync(from);
      } catch {}
      server.listen(from, resolve);
    }
  });
});
await Promise.all(listening);
process.stdout.write('BRIDGE-READY\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
