/**
 * Broker connection failures in words an operator acts on. kafkajs reports an
 * unreachable broker as a stream of error objects and finally a bare
 * KafkaJSNonRetriableError; these helpers name the broker, the cause and the
 * option to check, once.
 */

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

interface KafkaishError {
  name?: string;
  message?: string;
  broker?: string;
  code?: string;
  cause?: unknown;
  originalError?: unknown;
}

function causeOf(code: string | undefined, message: string): string {
  if (code && CAUSES[code]) return CAUSES[code];
  for (const [known, words] of Object.entries(CAUSES)) if (message.includes(known)) return words;
  if (/timeout/i.test(message)) return 'connection timed out';
  if (/closed/i.test(message)) return 'connection closed by the broker (TLS or SASL expected? see --kafka-tls, --kafka-sasl-mechanism)';
  return message.replace(/^Connection error: /, '');
}

/** "cannot reach 127.0.0.1:9 (--kafka-brokers): connection refused" */
export function unreachableLine(broker: string, code: string | undefined, message: string): string {
  return `cannot reach ${broker} (--kafka-brokers): ${causeOf(code, message)}`;
}

/** The one line for an error caused by an unreachable broker or failed authentication; undefined for any other error. */
export function kafkaConnectionFailure(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current = error as KafkaishError | undefined;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (current.name === 'KafkaJSSASLAuthenticationError') {
      return `Kafka refused the credentials (--kafka-sasl-mechanism, --kafka-sasl-username, --kafka-sasl-password): ${current.message ?? ''}`;
    }
    if (current.name === 'KafkaJSServerDoesNotSupportApiKey' && /saslAuthenticator/i.test((current as { stack?: string }).stack ?? '')) {
      return 'the broker does not offer SASL (--kafka-sasl-mechanism): is --kafka-brokers its SASL listener?';
    }
    if (current.name?.startsWith('KafkaJSConnection') && current.broker) return unreachableLine(current.broker, current.code, current.message ?? '');
    current = (current.cause ?? current.originalError) as KafkaishError | undefined;
  }
  return undefined;
}

/** True for kafkajs log entries that only repeat that a broker cannot be reached. */
export function isConnectionNoise(message: string, extra: Record<string, unknown>): boolean {
  if (/^Connection (error|timeout)|Failed to connect to seed broker|^Failed to connect/.test(message)) return true;
  const error = typeof extra['error'] === 'string' ? extra['error'] : '';
  return /Crash|Restarting/.test(message) && /Connection error|ECONNREFUSED|ENOTFOUND|Connection timeout|NumberOfRetriesExceeded/.test(`${error}${message}`);
}

/** Says that a broker cannot be reached at most once per `intervalMs` per broker, with "retrying". */
export class UnreachableReporter {
  private readonly lastSaid = new Map<string, number>();

  constructor(
    private readonly say: (line: string) => void,
    private readonly intervalMs = 60_000,
  ) {}

  report(message: string, extra: Record<string, unknown>): void {
    const broker = typeof extra['broker'] === 'string' ? extra['broker'] : brokerIn(message);
    if (!broker) return;
    const now = Date.now();
    if (now - (this.lastSaid.get(broker) ?? -Infinity) < this.intervalMs) return;
    this.lastSaid.set(broker, now);
    this.say(`${unreachableLine(broker, undefined, `${message} ${String(extra['error'] ?? '')}`)}; retrying`);
  }
}

function brokerIn(text: string): string | undefined {
  return /\b(\d{1,3}(?:\.\d{1,3}){3}:\d+|[\w.-]+:\d{2,5})\b/.exec(text)?.[1];
}
