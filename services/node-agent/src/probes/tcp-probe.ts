/**
 * The TCP test: one HTTP GET to the peer's responder on a fresh connection
 * with Nagle off and `Connection: close`, timing the connect and the whole
 * exchange (until the peer closes after a complete 200 answer).
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
    socket.on('data', (chunk: string) => {
      if (answer.length < 4096) answer += chunk;
    });
    socket.once('end', () => {
      const ok = /^HTTP\/1\.[01] 200 /.test(answer);
      finish(ok ? { ok, connectMs, totalMs: now() - started } : { ok, connectMs, totalMs: null, error: `unexpected answer: ${answer.slice(0, 40) || '(none)'}` });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, connectMs, totalMs: null, error: error.code ?? error.message }));
  });
}
