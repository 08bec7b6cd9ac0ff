/**
 * Structured logging to stderr (stdout stays clean for `ask --json`). Secrets are redacted twice:
 * by key (any field named like a token) and by value (the bot token pattern anywhere in a string),
 * so a failed API call whose URL embeds the token cannot leak it.
 */
import pino, { type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

const TOKEN_PATTERN = /\d{5,}:[A-Za-z0-9_-]{20,}/g;
/** API keys as providers shape them (OpenAI-style `sk-…`), bearer credentials, and user:password@ in URLs. */
const KEY_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\bsk-[A-Za-z0-9_-]{16,}/g, '<redacted-key>'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 <redacted>'],
  [/(\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1<redacted>@'],
];
/** Secret values given in the settings (the language model's key), redacted wherever they appear. */
const knownSecrets = new Set<string>();

/**
 * Makes `redactSecrets` also hide this exact value (a key from the settings), wherever it appears:
 * a compatible server may echo the key in an error message.
 */
export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= 8) knownSecrets.add(value);
}

/** Replaces anything shaped like a Telegram bot token or an API key, and every registered secret, with a placeholder. */
export function redactSecrets(text: string): string {
  let out = text.replace(TOKEN_PATTERN, '<redacted-token>');
  for (const [pattern, replacement] of KEY_PATTERNS) out = out.replace(pattern, replacement);
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join('<redacted>');
  return out;
}

/** Field names whose values are never logged. */
const SECRET_KEY = /token|secret|password|api[_-]?key|authorization/i;

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
