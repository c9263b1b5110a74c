/**
 * IPFIX over UDP (RFC 7011 §10.3): every message is one datagram under the
 * MTU, templates go out at start and again every `templateRefreshMs` or every
 * `templateRefreshMessages` messages, whichever comes first (§8.4), so a
 * collector that starts late learns them. Loss is the collector's to see, in
 * the sequence numbers; a send error is counted and the records count as sent.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { EncodedRecord } from '../ipfix/record-writer.js';
import type { MessagePacker } from '../ipfix/message-packer.js';
import type { Collector, CollectorAddress, CollectorEvents } from './collector.js';

export interface UdpCollectorOptions {
  templateRefreshMs: number;
  templateRefreshMessages: number;
  now?: () => number;
}

export class UdpCollector implements Collector {
  private socket: Promise<{ socket: Socket; address: string }> | null = null;
  private opened: Socket | null = null;
  private closed = false;
  private lastTemplatesAt = -Infinity;
  private messagesSinceTemplates = 0;
  private pending = 0;
  private readonly now: () => number;

  constructor(
    readonly address: CollectorAddress,
    private readonly packer: MessagePacker,
    private readonly events: CollectorEvents,
    private readonly options: UdpCollectorOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  pendingRecords(): number {
    return this.pending;
  }

  async send(records: readonly EncodedRecord[]): Promise<void> {
    this.pending += records.length;
    try {
      const target = await this.resolved();
      const out = this.packer.pack(records, () => this.templatesDue()).map((m) => m.bytes);
      await Promise.all(out.map((message) => this.sendDatagram(target, message)));
    } finally {
      this.pending -= records.length;
    }
  }

  async close(): Promise<void> {
    // Not waiting for a lookup that may never succeed: the loop stops at its next turn.
    this.closed = true;
    const socket = this.opened;
    this.opened = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** Asked before each data message: counts it, and says whether the templates go first (time or message count). */
  private templatesDue(): boolean {
    const due = this.now() - this.lastTemplatesAt >= this.options.templateRefreshMs || this.messagesSinceTemplates >= this.options.templateRefreshMessages;
    if (due) {
      this.lastTemplatesAt = this.now();
      this.messagesSinceTemplates = 0;
      this.events.templatesSent(this.address.url);
    }
    this.messagesSinceTemplates++;
    return due;
  }

  /**
   * Resolves the host once; a failed lookup is counted and tried again a second later.
   * The socket stays unconnected: a connected one drops the datagram after an ICMP
   * port-unreachable (ECONNREFUSED), so a collector's restart would cost a message more.
   */
  private resolved(): Promise<{ socket: Socket; address: string }> {
    this.socket ??= this.resolveLoop();
    return this.socket;
  }

  private async resolveLoop(): Promise<{ socket: Socket; address: string }> {
    for (;;) {
      if (this.closed) throw new Error(`${this.address.url}: collector is closed`);
      try {
        const { address, family } = await lookup(this.address.host);
        const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
        socket.on('error', (error) => this.events.sendError(this.address.url, error));
        this.opened = socket;
        return { socket, address };
      } catch (error) {
        this.events.sendError(this.address.url, error as Error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private sendDatagram(target: { socket: Socket; address: string }, message: Buffer): Promise<void> {
    return new Promise((resolve) =>
      target.socket.send(message, this.address.port, target.address, (error) => {
        if (error) this.events.sendError(this.address.url, error);
        else this.events.messageSent(this.address.url, message.length);
        resolve();
      }),
    );
  }
}
