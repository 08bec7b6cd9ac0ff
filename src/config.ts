/**
 * Settings. This is the only module that reads the environment (and `.env`, through dotenv).
 * Everything is validated once, here; an invalid setting is a {@link ConfigError} that names the
 * variable and says what a valid value looks like. Every setting is documented in .env.example.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { ConfigError } from './errors.js';

/** The repository root (the folder holding package.json). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Config {
  /** Bot token from @BotFather; null runs the local console chat instead of the bot. */
  telegramToken: string | null;
  /** Bot API server root (default Telegram's); a self-hosted server or a test emulator. */
  telegramApiRoot: string | null;
  /** Public HTTPS URL Telegram posts updates to; null uses long polling. */
  webhookUrl: string | null;
  /** Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token; required with a webhook. */
  webhookSecret: string | null;
  /** Host and port the webhook HTTP server listens on. */
  webhookHost: string;
  webhookPort: number;
  /** Chats (and users) allowed to use the bot; null allows everyone. */
  allowedChatIds: Set<number> | null;
  /** Users allowed to run admin commands such as /reindex. */
  adminIds: Set<number>;
  /** Folder of article .txt files. */
  corpusDir: string;
  /** Folder of the persisted index. */
  indexDir: string;
  /** Hub model id, e.g. Xenova/multilingual-e5-small; null disables dense retrieval. */
  embeddingModel: string | null;
  /** Local folder holding the model files; when set, nothing is downloaded. */
  modelDir: string | null;
  /** Where downloaded models are cached. */
  modelCacheDir: string;
  logLevel: LogLevel;
  /** Append-only log of 👍/👎 votes (JSON lines). */
  feedbackLog: string;
  /** Questions a user may ask per minute. */
  rateLimitPerMinute: number;
  /** Longest question accepted, in characters. */
  maxQuestionChars: number;
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = text(env, name);
  if (value === null) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${name}="${value}" is not valid: use a whole number from ${min} to ${max}.`);
  }
  return Number(value);
}

function idList(env: Env, name: string): Set<number> | null {
  const value = text(env, name);
  if (value === null) return null;
  const ids = new Set<number>();
  for (const part of value.split(/[\s,]+/).filter(Boolean)) {
    if (!/^-?\d+$/.test(part)) {
      throw new ConfigError(
        `${name} holds "${part}", which is not a Telegram id: use numeric ids separated by commas, e.g. ${name}=12345,-1001234567890.`,
      );
    }
    ids.add(Number(part));
  }
  return ids;
}

function url(env: Env, name: string, requireHttps: boolean): string | null {
  const value = text(env, name);
  if (value === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name}="${value}" is not a URL: write it in full, e.g. https://example.org/path.`);
  }
  if (requireHttps && parsed.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an https:// URL (Telegram only delivers webhooks over HTTPS).`);
  }
  if (!['http:', 'https:'].includes(parsed.protocol)) {
    throw new ConfigError(`${name} must be an http:// or https:// URL.`);
  }
  return value.replace(/\/+$/, '');
}

function dir(env: Env, name: string, fallback: string): string {
  return path.resolve(PROJECT_ROOT, text(env, name) ?? fallback);
}

export interface LoadConfigOptions {
  /** Read `.env` from the project root first (never overriding real environment variables). */
  dotenv?: boolean;
}

/**
 * Reads and validates every setting. `env` defaults to `process.env`; tests pass their own.
 */
export function loadConfig(env?: Env, options: LoadConfigOptions = {}): Config {
  if (env === undefined) {
    if (options.dotenv !== false) dotenv.config({ path: path.join(PROJECT_ROOT, '.env'), quiet: true } as never);
    env = process.env;
  }
  const token = text(env, 'TELEGRAM_BOT_TOKEN');
  if (token !== null && !/^\d+:[A-Za-z0-9_-]{20,}$/.test(token)) {
    throw new ConfigError(
      'TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then 20+ letters, digits, _ or -): copy it again from @BotFather, or leave it empty to use the console chat.',
    );
  }
  const webhookUrl = url(env, 'WEBHOOK_URL', true);
  const webhookSecret = text(env, 'WEBHOOK_SECRET');
  if (webhookUrl && !webhookSecret) {
    throw new ConfigError('WEBHOOK_URL is set but WEBHOOK_SECRET is empty: set WEBHOOK_SECRET to a random string of 1-256 letters, digits, _ or -.');
  }
  if (webhookSecret && !/^[A-Za-z0-9_-]{1,256}$/.test(webhookSecret)) {
    throw new ConfigError('WEBHOOK_SECRET may only hold 1-256 letters, digits, _ and - (a Telegram rule).');
  }
  const model = text(env, 'EMBEDDING_MODEL') ?? 'Xenova/multilingual-e5-small';
  const logLevel = (text(env, 'LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL="${env.LOG_LEVEL}" is not valid: use one of ${LOG_LEVELS.join(', ')}.`);
  }
  const modelDir = text(env, 'MODEL_DIR');
  return {
    telegramToken: token,
    telegramApiRoot: url(env, 'TELEGRAM_API_ROOT', false),
    webhookUrl,
    webhookSecret,
    webhookHost: text(env, 'WEBHOOK_HOST') ?? '0.0.0.0',
    webhookPort: integer(env, 'WEBHOOK_PORT', 8080, 1, 65535),
    allowedChatIds: idList(env, 'ALLOWED_CHAT_IDS'),
    adminIds: idList(env, 'ADMIN_IDS') ?? new Set(),
    corpusDir: dir(env, 'CORPUS_DIR', 'corpus'),
    indexDir: dir(env, 'INDEX_DIR', 'embeddings'),
    embeddingModel: ['none', 'off', 'lexical'].includes(model.toLowerCase()) ? null : model,
    modelDir: modelDir ? path.resolve(PROJECT_ROOT, modelDir) : null,
    modelCacheDir: dir(env, 'MODEL_CACHE_DIR', '.cache/models'),
    logLevel,
    feedbackLog: dir(env, 'FEEDBACK_LOG', 'feedback.log'),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 10, 1, 10_000),
    maxQuestionChars: integer(env, 'MAX_QUESTION_CHARS', 500, 10, 4000),
  };
}
