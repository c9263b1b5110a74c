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
  private socket: Promise<Socket> | null = null;
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
      const socket = await this.connected();
      const messages = this.packer.pack(records).map((m) => m.bytes);
      const out: Buffer[] = [];
      for (const message of messages) {
        if (this.templatesDue()) out.push(...this.templates());
        out.push(message);
        this.messagesSinceTemplates++;
      }
      await Promise.all(out.map((message) => this.sendDatagram(socket, message)));
    } finally {
      this.pending -= records.length;
    }
  }

  async close(): Promise<void> {
    const socket = await this.socket?.catch(() => null);
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
    this.socket = null;
  }

  private templatesDue(): boolean {
    return this.now() - this.lastTemplatesAt >= this.options.templateRefreshMs || this.messagesSinceTemplates >= this.options.templateRefreshMessages;
  }

  private templates(): Buffer[] {
    this.lastTemplatesAt = this.now();
    this.messagesSinceTemplates = 0;
    this.events.templatesSent(this.address.url);
    return this.packer.templateMessages();
  }

  /** Resolves the host once and connects the socket; a failed lookup is counted and tried again a second later. */
  private connected(): Promise<Socket> {
    this.socket ??= this.connectLoop();
    return this.socket;
  }

  private async connectLoop(): Promise<Socket> {
    for (;;) {
      try {
        const { address, family } = await lookup(this.address.host);
        const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
        // ICMP port unreachable and the like arrive here: counted, the stream goes on.
        socket.on('error', (error) => this.events.sendError(this.address.url, error));
        await new Promise<void>((resolve) => socket.connect(this.address.port, address, resolve));
        return socket;
      } catch (error) {
        this.events.sendError(this.address.url, error as Error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private sendDatagram(socket: Socket, message: Buffer): Promise<void> {
    return new Promise((resolve) =>
      socket.send(message, (error) => {
        if (error) this.events.sendError(this.address.url, error);
        else this.events.messageSent(this.address.url, message.length);
        resolve();
      }),
    );
  }
}
