/**
 * The UDP test: small packets sent one after the other to a peer's echo
 * responder, each waiting up to a timeout for its echo. One socket serves
 * every peer; the 4-byte payload is a sequence number, so a late echo of an
 * earlier packet is never taken for the current one.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface UdpTestSettings {
  packets: number;
  timeoutMs: number;
  /** Pause between packets, so a burst is not what is measured. @default 10 */
  gapMs?: number;
}

export interface UdpTestResult {
  /** Round-trip times of the packets that came back, ms, in send order. */
  rttsMs: number[];
  sent: number;
  lost: number;
}

export class UdpProber {
  private readonly socket: Socket;
  private sequence = 0;
  private readonly waiting = new Map<number, (receivedAtMs: number | null) => void>();
  private readonly ready: Promise<void>;

  constructor() {
    this.socket = createSocket('udp4');
    this.socket.on('message', (message) => {
      if (message.length !== 4) return;
      const answer = this.waiting.get(message.readUInt32BE(0));
      answer?.(Number(process.hrtime.bigint()) / 1e6);
    });
    this.socket.on('error', () => undefined);
    this.ready = new Promise((resolve) => this.socket.bind(0, resolve));
  }

  async test(address: string, port: number, settings: UdpTestSettings): Promise<UdpTestResult> {
    await this.ready;
    const rttsMs: number[] = [];
    for (let i = 0; i < settings.packets; i += 1) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, settings.gapMs ?? 10));
      const rtt = await this.ping(address, port, settings.timeoutMs);
      if (rtt !== null) rttsMs.push(rtt);
    }
    return { rttsMs, sent: settings.packets, lost: settings.packets - rttsMs.length };
  }

  /** One packet's round trip in ms, or null when no echo came within the timeout. */
  private ping(address: string, port: number, timeoutMs: number): Promise<number | null> {
    const id = (this.sequence = (this.sequence + 1) >>> 0);
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(id, 0);
    return new Promise((resolve) => {
      let sentAt = 0;
      const finish = (rtt: number | null) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(rtt);
      };
      const timer = setTimeout(() => finish(null), timeoutMs);
      this.waiting.set(id, (receivedAt) => finish(receivedAt === null ? null : receivedAt - sentAt));
      sentAt = Number(process.hrtime.bigint()) / 1e6;
      this.socket.send(payload, port, address, (error) => {
        if (error) finish(null);
      });
    });
  }

  close(): void {
    for (const answer of this.waiting.values()) answer(null);
    this.socket.close();
  }
}

/** kconmon's figures of one test: mean round trip of the answered packets, slowest − fastest, loss in percent. */
export function udpFigures(result: UdpTestResult): { averageMs: number; varianceMs: number; lossPercent: number } | null {
  const lossPercent = (100 * result.lost) / result.sent;
  if (!result.rttsMs.length) return null;
  const sum = result.rttsMs.reduce((a, b) => a + b, 0);
  return { averageMs: sum / result.rttsMs.length, varianceMs: Math.max(...result.rttsMs) - Math.min(...result.rttsMs), lossPercent };
}
