/**
 * JSON logs, one object per line on stdout (pino), with the service name on
 * every line. Credentials inside URLs are masked on every line, whatever
 * logged them (a library's error message can carry a connection string).
 */
import { pino, type Logger } from 'pino';
import { maskUrlCredentials } from '../config/mask-secrets.js';

export type { Logger };

function maskDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskUrlCredentials(value);
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, depth - 1));
  if (value instanceof Error) return { type: value.name, message: maskUrlCredentials(value.message), stack: maskUrlCredentials(value.stack ?? '') };
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskDeep(item, depth - 1)]));
}

export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => maskDeep(object, 4) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? maskUrlCredentials(arg) : arg)) as Parameters<typeof method>);
      },
    },
  });
}
