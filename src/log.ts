/**
 * Structured logging to stderr (stdout stays clean for `ask --json`). Secrets are redacted twice:
 * by key (any field named like a token) and by value (the bot token pattern anywhere in a string),
 * so a failed API call whose URL embeds the token cannot leak it.
 */
import pino, { type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

const TOKEN_PATTERN = /\d{5,}:[A-Za-z0-9_-]{20,}/g;

/** Replaces anything shaped like a Telegram bot token with a placeholder. */
export function redactSecrets(text: string): string {
  return text.replace(TOKEN_PATTERN, '<redacted-token>');
}

/** Field names whose values are never logged. */
const SECRET_KEY = /token|secret|password/i;

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 4) {
    // Too deep to walk: flattened to redacted JSON rather than passed through unredacted.
    try {
      return redactSecrets(JSON.stringify(value, (k, v: unknown) => (SECRET_KEY.test(k) ? '<redacted>' : v)) ?? '');
    } catch {
      return '[unserialisable]';
    }
  }
  if (value instanceof Error) {
    return { type: value.name, message: redactSecrets(value.message), stack: value.stack ? redactSecrets(value.stack) : undefined };
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '<redacted>' : scrub(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where log lines go; default stderr. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a)) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
