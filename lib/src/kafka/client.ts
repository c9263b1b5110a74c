/** Builds a kafkajs client from the shared Kafka options: brokers, TLS and SASL as configuration. */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { kafkaOptions } from '../config/common-options.js';
import type { Logger } from '../service/logger.js';
import { registerKafkaCodecs } from './compression.js';
import { isConnectionNoise, UnreachableReporter } from './reachability.js';
import { applyKafkajsIdleFix } from './request-queue-idle-fix.js';
import { noDelaySocketFactory } from './socket-factory.js';

export interface KafkaConnectionOptions {
  kafkaBrokers: string[];
  kafkaClientId: string;
  kafkaTls: boolean;
  kafkaTlsCa?: string;
  kafkaTlsCert?: string;
  kafkaTlsKey?: string;
  kafkaTlsInsecure: boolean;
  kafkaSaslMechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  kafkaSaslUsername?: string;
  kafkaSaslPassword?: string;
  /** Optional so callers built before these options (tests, tools) keep kafkajs-like defaults. */
  kafkaRetryInitialMs?: number;
  kafkaRetryMaxMs?: number;
}

/** The option specs' defaults, for callers that build connection options without them. */
const RETRY_INITIAL_MS = kafkaOptions.kafkaRetryInitialMs.default;
const RETRY_MAX_MS = kafkaOptions.kafkaRetryMaxMs.default;

export function kafkaConfig(options: KafkaConnectionOptions): KafkaConfig {
  const initialRetryTime = options.kafkaRetryInitialMs ?? RETRY_INITIAL_MS;
  const tlsFiles = options.kafkaTlsCa ?? options.kafkaTlsCert ?? options.kafkaTlsKey;
  const ssl =
    options.kafkaTls || tlsFiles
      ? {
          rejectUnauthorized: !options.kafkaTlsInsecure,
          ...(options.kafkaTlsCa ? { ca: [readFileSync(options.kafkaTlsCa, 'utf8')] } : {}),
          ...(options.kafkaTlsCert ? { cert: readFileSync(options.kafkaTlsCert, 'utf8') } : {}),
          ...(options.kafkaTlsKey ? { key: readFileSync(options.kafkaTlsKey, 'utf8') } : {}),
        }
      : undefined;
  let sasl: SASLOptions | undefined;
  if (options.kafkaSaslMechanism !== 'none') {
    sasl = {
      mechanism: options.kafkaSaslMechanism,
      username: options.kafkaSaslUsername ?? '',
      password: options.kafkaSaslPassword ?? '',
    } as SASLOptions;
  }
  return {
    clientId: options.kafkaClientId,
    brokers: options.kafkaBrokers,
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    retry: {
      initialRetryTime,
      // kafkajs's own cap is 30 s: after a 20 s outage a client would sleep long after the broker came back.
      maxRetryTime: Math.max(options.kafkaRetryMaxMs ?? RETRY_MAX_MS, initialRetryTime),
      retries: 8,
    },
    socketFactory: noDelaySocketFactory,
  };
}

/**
 * Routes kafkajs's own log lines into the service's JSON log. An unreachable
 * broker is said once a minute as one line naming it and --kafka-brokers, not
 * as kafkajs's stream of connection errors (those go to debug).
 */
export function createKafka(
  options: KafkaConnectionOptions,
  logger: Logger,
  settings: { retries?: number; onUnreachable?: (line: string) => void } = {},
): Kafka {
  applyKafkajsIdleFix();
  // Consumers read whatever codec a producer chose, so every client gets them all.
  registerKafkaCodecs();
  const log = logger.child({ component: 'kafkajs' });
  const unreachable = new UnreachableReporter(settings.onUnreachable ?? ((line) => logger.warn(line)));
  const config = kafkaConfig(options);
  return new Kafka({
    ...config,
    ...(settings.retries !== undefined ? { retry: { ...config.retry, retries: settings.retries } } : {}),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        if (level <= logLevel.WARN && isConnectionNoise(message, rest)) {
          unreachable.report(message, rest);
          log.debug(rest, message);
        } else if (level <= logLevel.ERROR) log.error(rest, message);
        else if (level === logLevel.WARN) log.warn(rest, message);
        else log.debug(rest, message);
      },
  });
}

/** Validates the SASL/TLS combination; returns problems for ConfigError. */
export function kafkaConnectionProblems(options: KafkaConnectionOptions): string[] {
  const problems: string[] = [];
  if (options.kafkaSaslMechanism !== 'none' && (!options.kafkaSaslUsername || !options.kafkaSaslPassword)) {
    problems.push(`--kafka-sasl-mechanism ${options.kafkaSaslMechanism} needs --kafka-sasl-username and --kafka-sasl-password`);
  }
  if (Boolean(options.kafkaTlsCert) !== Boolean(options.kafkaTlsKey)) {
    problems.push('--kafka-tls-cert and --kafka-tls-key go together (mutual TLS)');
  }
  for (const key of ['kafkaTlsCa', 'kafkaTlsCert', 'kafkaTlsKey'] as const) {
    const path = options[key];
    if (path) {
      try {
        readFileSync(path);
      } catch (error) {
        problems.push(`${key}: cannot read ${path}: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}
