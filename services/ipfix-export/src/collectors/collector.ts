/**
 * A collector the exporter sends to: `udp://host:port` or `tcp://host:port`.
 * `send` resolves once every record it was given is out (UDP: the datagrams
 * were sent; TCP: the messages were written and flushed to the socket), which
 * is when the exporter lets their input offsets be committed.
 */
import type { EncodedRecord } from '../ipfix/record-writer.js';

export type Transport = 'udp' | 'tcp';

export interface CollectorAddress {
  transport: Transport;
  host: string;
  port: number;
  /** As given, for logs and the metrics' `collector` label. */
  url: string;
}

export interface Collector {
  readonly address: CollectorAddress;
  send(records: readonly EncodedRecord[]): Promise<void>;
  /** Records handed to `send` and not yet out (backpressure while a TCP collector is away). */
  pendingRecords(): number;
  /** Stops: withdraws the templates over TCP, closes the socket. */
  close(): Promise<void>;
}

/** What a collector reports as it works; the exporter's metrics and logs listen. */
export interface CollectorEvents {
  messageSent(collector: string, bytes: number): void;
  templatesSent(collector: string): void;
  sendError(collector: string, error: Error): void;
  connected(collector: string, reconnect: boolean): void;
  disconnected(collector: string, error: Error | null): void;
  replayed(collector: string, records: number): void;
}

export const DEFAULT_IPFIX_PORT = 4739;

/** Parses a --collector value; returns the address or why it is not one. */
export function parseCollector(url: string): CollectorAddress | string {
  const match = /^(udp|tcp):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+)(?::(\d+))?\/?$/.exec(url.trim());
  if (!match) return `${JSON.stringify(url)} is not udp://host[:port] or tcp://host[:port]`;
  const port = match[3] === undefined ? DEFAULT_IPFIX_PORT : Number(match[3]);
  if (!(port >= 1 && port <= 65535)) return `${JSON.stringify(url)}: port must be 1-65535`;
  const host = match[2]!.replace(/^\[|\]$/g, '');
  return { transport: match[1] as Transport, host, port, url: url.trim() };
}
