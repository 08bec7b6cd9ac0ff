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

  // --- Live intake (issue: news flows in as it is published) ---------------------------------
  /** Channels whose posts become articles: numeric ids or @usernames (lower-cased, without @). */
  sourceChats: { ids: Set<number>; usernames: Set<string> };
  /** RSS/Atom feed URLs polled while the bot or console chat runs. */
  feeds: string[];
  /** Minutes between feed polls. */
  feedIntervalMinutes: number;
  /** Most new items taken from one feed in one poll. */
  feedMaxItems: number;
  /** Whether fetching may reach loopback, private and link-local addresses (tests, self-hosted feeds). */
  fetchAllowPrivate: boolean;
  /** Longest wait for one page or feed, in milliseconds. */
  fetchTimeoutMs: number;
  /** Largest page, feed or uploaded document accepted, in bytes. */
  fetchMaxBytes: number;
  /** Whether the corpus folder is watched for added, changed and removed files while running. */
  watchCorpus: boolean;

  // --- Generated answers (issue: answers written by a language model, every claim checked) ----
  /** `extractive` (quoted sentences, the default) or `generative` (a language model writes, the code checks). */
  answerMode: 'extractive' | 'generative';
  /** Base URL of an OpenAI-compatible chat-completions server, e.g. https://api.openai.com/v1 or http://localhost:11434/v1. */
  llmBaseUrl: string | null;
  /** Model name the server knows, e.g. gpt-4o-mini or llama3.1:8b. */
  llmModel: string | null;
  /** API key, when the server needs one (never logged). */
  llmApiKey: string | null;
  /** Longest wait for a whole generated answer, in milliseconds. */
  llmTimeoutMs: number;
  /** Most generations running at once. */
  llmMaxConcurrency: number;
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

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined || value === null) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(`${name}="${env[name]}" is not valid: use true or false.`);
}

function urlList(env: Env, name: string): string[] {
  const value = text(env, name);
  if (value === null) return [];
  const urls: string[] = [];
  for (const part of value.split(/[\s,]+/).filter(Boolean)) {
    let parsed: URL;
    try {
      parsed = new URL(part);
    } catch {
      throw new ConfigError(`${name} holds "${part}", which is not a URL: write each in full, e.g. ${name}=https://example.org/rss.xml,https://example.net/atom.xml.`);
    }
    if (!['http:', 'https:'].includes(parsed.protocol)) throw new ConfigError(`${name} holds "${part}": only http:// and https:// feeds can be polled.`);
    urls.push(parsed.href);
  }
  return [...new Set(urls)];
}

function chatList(env: Env, name: string): { ids: Set<number>; usernames: Set<string> } {
  const ids = new Set<number>();
  const usernames = new Set<string>();
  for (const part of (text(env, name) ?? '').split(/[\s,]+/).filter(Boolean)) {
    if (/^-?\d+$/.test(part)) ids.add(Number(part));
    else if (/^@?[A-Za-z][A-Za-z0-9_]{3,31}$/.test(part)) usernames.add(part.replace(/^@/, '').toLowerCase());
    else {
      throw new ConfigError(
        `${name} holds "${part}", which is neither a chat id nor a channel @username: e.g. ${name}=-1001234567890,@mychannel.`,
      );
    }
  }
  return { ids, usernames };
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
  const answerMode = (text(env, 'ANSWER_MODE') ?? 'extractive').toLowerCase();
  if (answerMode !== 'extractive' && answerMode !== 'generative') {
    throw new ConfigError(`ANSWER_MODE="${env.ANSWER_MODE}" is not valid: use extractive (quoted sentences) or generative (a language model; needs LLM_BASE_URL and LLM_MODEL).`);
  }
  const llmBaseUrl = url(env, 'LLM_BASE_URL', false);
  const llmModel = text(env, 'LLM_MODEL');
  if (answerMode === 'generative' && (!llmBaseUrl || !llmModel)) {
    throw new ConfigError(
      'ANSWER_MODE=generative needs LLM_BASE_URL and LLM_MODEL: e.g. LLM_BASE_URL=http://localhost:11434/v1 LLM_MODEL=llama3.1:8b for a local Ollama, or set ANSWER_MODE=extractive.',
    );
  }
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
    sourceChats: chatList(env, 'SOURCE_CHAT_IDS'),
    feeds: urlList(env, 'FEEDS'),
    feedIntervalMinutes: integer(env, 'FEED_INTERVAL_MINUTES', 15, 1, 24 * 60),
    feedMaxItems: integer(env, 'FEED_MAX_ITEMS', 20, 1, 1000),
    fetchAllowPrivate: flag(env, 'FETCH_ALLOW_PRIVATE', false),
    fetchTimeoutMs: integer(env, 'FETCH_TIMEOUT_MS', 15_000, 100, 300_000),
    fetchMaxBytes: integer(env, 'FETCH_MAX_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    watchCorpus: flag(env, 'WATCH_CORPUS', true),
    answerMode,
    llmBaseUrl,
    llmModel,
    llmApiKey: text(env, 'LLM_API_KEY'),
    llmTimeoutMs: integer(env, 'LLM_TIMEOUT_MS', 30_000, 100, 600_000),
    llmMaxConcurrency: integer(env, 'LLM_MAX_CONCURRENCY', 4, 1, 256),
  };
}
