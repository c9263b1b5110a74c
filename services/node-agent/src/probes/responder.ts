/** What other agents probe: a UDP echo and a tiny HTTP endpoint on the same port number. */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';

export interface Responder {
  close(): Promise<void>;
}

export async function startResponder(host: string, port: number): Promise<Responder> {
  const udp = createSocket('udp4');
  udp.on('message', (message, from) => {
    // echo only probe-sized packets so the port cannot be used to amplify anything
    if (message.length <= 64) udp.send(message, from.port, from.address);
  });
  udp.on('error', () => undefined);
  const http = createServer((request, response) => {
    // one segment: headers and body together, with a length so the client need not wait for the close
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3, connection: 'close' });
    response.end('ok\n');
  });
  http.keepAliveTimeout = 1000;
  await Promise.all([
    new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve();
      });
    }),
    new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        resolve();
      });
    }),
  ]);
  return {
    close: async () => {
      udp.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
