/**
 * IPFIX over TCP (RFC 7011 §10.4): one connection is one transport session,
 * so every (re)connection starts with the templates and sequence number 0, and
 * shutdown withdraws the templates (§8.1) before closing.
 *
 * Records wait in a queue while the collector is away and `send` resolves
 * only once they were written and flushed; reconnection backs off
 * exponentially with jitter. A collector that dies may not have read what the
 * kernel accepted from us, so the records of the last `replayBytes` written
 * are sent again after a reconnect: a crash costs duplicates, not records.
 */
import { connect, type Socket } from 'node:net';
import type { EncodedRecord } from '../ipfix/record-writer.js';
import type { MessagePacker } from '../ipfix/message-packer.js';
import type { Collector, CollectorAddress, CollectorEvents } from './collector.js';

export interface TcpCollectorOptions {
  backoffInitialMs: number;
  backoffMaxMs: number;
  connectTimeoutMs: number;
  replayBytes: number;
}

interface Entry {
  records: readonly EncodedRecord[];
  resolve(): void;
}

export class TcpCollector implements Collector {
  private socket: Socket | null = null;
  private readonly queue: Entry[] = [];
  private queued = 0;
  /** Records written lately, oldest first: what a collector that died may not have read. */
  private readonly written: { records: readonly EncodedRecord[]; bytes: number }[] = [];
  private writtenBytes = 0;
  private pumping = false;
  private closing = false;
  private attempts = 0;
  private everConnected = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Rejects when the current connection closes, so no write waits on a dead socket. */
  private sessionClosed: Promise<never> = new Promise(() => {});

  constructor(
    readonly address: CollectorAddress,
    private readonly packer: MessagePacker,
    private readonly events: CollectorEvents,
    private readonly options: TcpCollectorOptions,
  ) {
    this.dial();
  }

  pendingRecords(): number {
    return this.queued;
  }

  send(records: readonly EncodedRecord[]): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`${this.address.url}: collector is closing`));
    return new Promise((resolve) => {
      this.queue.push({ records, resolve });
      this.queued += records.length;
      void this.pump();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 5_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end(this.packer.withdrawalMessage());
    });
  }

  private dial(): void {
    if (this.closing) return;
    const socket = connect({ host: this.address.host, port: this.address.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${this.options.connectTimeoutMs} ms`)), this.options.connectTimeoutMs);
    let lastError: Error | null = null;
    socket.on('error', (error) => (lastError = error));
    const closed = new Promise<never>((_, reject) => socket.once('close', () => reject(new Error('connection closed'))));
    closed.catch(() => {});
    socket.once('connect', () => {
      clearTimeout(timer);
      if (this.closing) return void socket.destroy();
      this.attempts = 0;
      this.socket = socket;
      this.sessionClosed = closed;
      this.events.connected(this.address.url, this.everConnected);
      this.everConnected = true;
      this.startSession(socket);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      const wasOurs = this.socket === socket;
      if (wasOurs) {
        this.socket = null;
        this.events.disconnected(this.address.url, lastError);
      } else if (lastError) {
        this.events.sendError(this.address.url, lastError);
      }
      if (!this.closing) this.retryLater();
    });
    // A collector that closes its end has stopped reading: close ours and reconnect.
    socket.on('end', () => socket.destroy());
  }

  private retryLater(): void {
    const base = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** Math.min(this.attempts++, 20));
    this.retryTimer = setTimeout(() => this.dial(), base * (0.5 + Math.random() / 2));
  }

  /** A new session: templates first, then what the last session may have lost, then the queue. */
  private startSession(socket: Socket): void {
    this.packer.resetSession();
    for (const message of this.packer.templateMessages()) this.write(socket, message).catch(() => {});
    this.events.templatesSent(this.address.url);
    const replay = this.written.flatMap((w) => w.records);
    if (replay.length) {
      for (const message of this.packer.pack(replay)) this.write(socket, message.bytes).catch(() => {});
      this.events.replayed(this.address.url, replay.length);
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.socket && this.queue.length) {
        const socket = this.socket;
        const entry = this.queue[0]!;
        const writes = this.packer.pack(entry.records).map((message) => this.write(socket, message.bytes));
        try {
          await Promise.race([Promise.all(writes), this.sessionClosed]);
        } catch {
          // The connection broke mid-entry: the entry stays first in the queue for the next session.
          break;
        }
        this.queue.shift();
        this.queued -= entry.records.length;
        this.remember(entry.records);
        entry.resolve();
      }
    } finally {
      this.pumping = false;
    }
    if (this.socket && this.queue.length) void this.pump();
  }

  /** Resolves when the message was flushed to the socket; rejects when the connection breaks first. */
  private write(socket: Socket, message: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (socket.destroyed) return reject(new Error('socket closed'));
      socket.write(message, (error) => {
        if (error) return reject(error);
        this.events.messageSent(this.address.url, message.length);
        resolve();
      });
    });
  }

  private remember(records: readonly EncodedRecord[]): void {
    if (this.options.replayBytes <= 0) return;
    const bytes = records.reduce((sum, r) => sum + r.bytes.length, 0);
    this.written.push({ records, bytes });
    this.writtenBytes += bytes;
    while (this.written.length > 1 && this.writtenBytes > this.options.replayBytes) this.writtenBytes -= this.written.shift()!.bytes;
  }
}
