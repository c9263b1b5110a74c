/**
 * The TCP test: one HTTP GET to the peer's responder on a fresh connection
 * with Nagle off and `Connection: close`, timing the connect and the whole
 * exchange: until the complete 200 answer is in (its Content-Length read, or
 * the peer closed when it sent none), as kconmon's HTTP client times it.
 */
import { connect } from 'node:net';

export interface TcpTestResult {
  ok: boolean;
  connectMs: number | null;
  totalMs: number | null;
  /** Why it failed (timeout, refused, bad answer). */
  error?: string;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

export function tcpTest(address: string, port: number, timeoutMs: number): Promise<TcpTestResult> {
  return new Promise((resolve) => {
    const started = now();
    let connectMs: number | null = null;
    let answer = '';
    let done = false;
    const socket = connect({ host: address, port, noDelay: true });
    const finish = (result: TcpTestResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, connectMs, totalMs: null, error: 'timeout' }), timeoutMs);
    socket.setEncoding('latin1');
    socket.once('connect', () => {
      connectMs = now() - started;
      socket.write(`GET /probe HTTP/1.1\r\nHost: ${address}:${port}\r\nConnection: close\r\n\r\n`);
    });
    const judge = () => {
      const ok = /^HTTP\/1\.[01] 200 /.test(answer);
      finish(ok ? { ok, connectMs, totalMs: now() - started } : { ok, connectMs, totalMs: null, error: `unexpected answer: ${answer.slice(0, 40) || '(none)'}` });
    };
    socket.on('data', (chunk: string) => {
      if (answer.length < 4096) answer += chunk;
      if (complete(answer)) judge();
    });
    socket.once('end', judge);
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, connectMs, totalMs: null, error: error.code ?? error.message }));
  });
}

/** The answer's headers and as many body bytes as its Content-Length says are in. */
function complete(answer: string): boolean {
  const headersEnd = answer.indexOf('\r\n\r\n');
  if (headersEnd < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(answer.slice(0, headersEnd));
  return length !== null && answer.length - headersEnd - 4 >= Number(length[1]);
}
