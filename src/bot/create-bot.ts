/**
 * Builds the bot (no network activity: running it is `run.ts`'s job).
 *
 * Middleware order: services → per-chat sequentialize → allowlist → commands → buttons →
 * inline → questions. API calls go through three transformers (not for the typing indicator and
 * command menus, which are best-effort): a retry of requests that never reached the Bot API
 * (connection refused, DNS failure, a proxy's HTML error page instead of Telegram's JSON);
 * auto-retry (429 with retry_after ≤ 60 s, and 5xx; bounded); and a logger that records failed
 * calls by method name only, redacted, so the token never reaches a log. A call that gets no
 * answer within {@link API_TIMEOUT_SECONDS} fails (grammY's default would hold the chat's queue
 * for 500 s); a timed-out or reset request is not repeated, since Telegram may have acted on it.
 *
 * Errors: a chat the bot can no longer write to (403: blocked by the user, removed from the
 * group; 400: chat not found) is logged as a warning and left alone; anything else is logged as
 * an error and the user gets a short apology where possible (never in a channel).
 */
import { Bot, BotError, GrammyError, HttpError, type ApiClientOptions, type Transformer } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { autoRetry } from '@grammyjs/auto-retry';
import { sequentialize } from '@grammyjs/runner';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { redactSecrets } from '../log.js';
import { describeError, TelegramError } from '../errors.js';
import type { Engine } from '../types.js';
import { accessComposer } from './access.js';
import { buttonsComposer } from './buttons.js';
import { commandsComposer } from './commands.js';
import { LruCache } from '../cache.js';
import type { BotConfig, BotContext, BotServices } from './context.js';
import { createFileFeedbackSink, type FeedbackSink } from './feedback.js';
import { pickLang, t } from './i18n.js';
import { inlineComposer } from './inline.js';
import { downloadFile, intakeComposer } from './intake.js';
import type { IntakeService } from '../intake/service.js';
import { questionsComposer } from './questions.js';
import { createRateLimiter } from './rate-limit.js';

export type { BotConfig, BotContext };

export interface BotDeps {
  engine: Engine;
  log: Logger;
  /** Where votes go; default: JSON lines appended to `config.feedbackLog`. */
  feedback?: FeedbackSink;
  /** Milliseconds since the epoch; default `Date.now` (tests move time for the rate limit). */
  clock?: () => number;
  /** The bot's own user (as getMe returns it); when given, no getMe call is needed. */
  botInfo?: UserFromGetMe;
  /** Bot API client settings over the defaults (tests pass a fake `fetch`). */
  client?: Pick<ApiClientOptions, 'fetch' | 'timeoutSeconds'>;
  /** Takes in source channels' posts, admins' forwards, documents and /add links; absent: intake off. */
  intake?: IntakeService | null;
}

/** Longest wait for one Bot API call (above the 30 s long-polling timeout of getUpdates). */
export const API_TIMEOUT_SECONDS = 60;

/** Pauses before each retry of a request that never reached the Bot API. */
const UNSENT_RETRY_DELAYS_MS = [1_000, 3_000];

/** Calls that are nice to have: never retried, failures only logged. */
const BEST_EFFORT = new Set(['sendChatAction', 'setMyCommands']);

/** The sequentialize key: one queue per chat (per user for updates without a chat). */
/** Error codes of a request that certainly did not reach the Bot API. */
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Whether an HttpError means the Bot API never handled the request, so sending it again cannot
 * duplicate a message: the connection was refused or the host not found, or the answer was not
 * Telegram's JSON at all (a proxy's "502 Bad Gateway" page).
 */
export function isUnsent(error: unknown): boolean {
  if (!(error instanceof HttpError)) return false;
  const cause = error.error as { code?: string; type?: string; cause?: { code?: string } } | undefined;
  if (!cause || typeof cause !== 'object') return false;
  if (cause instanceof SyntaxError || cause.type === 'invalid-json') return true;
  const code = cause.code ?? cause.cause?.code;
  return code !== undefined && UNSENT_CODES.has(code);
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retries requests that never reached the Bot API, a bounded number of times. */
const retryUnsent: Transformer = async (prev, method, payload, signal) => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await prev(method, payload, signal);
    } catch (error) {
      const delay = UNSENT_RETRY_DELAYS_MS[attempt];
      if (delay === undefined || !isUnsent(error) || signal?.aborted) throw error;
      await pause(delay, signal as AbortSignal | undefined);
    }
  }
};

/** Whether an error is Telegram refusing to answer a button press or inline query that is too old. */
export function isStaleQuery(error: unknown): boolean {
  return error instanceof GrammyError && error.error_code === 400 && /query is too old|query id is invalid/i.test(error.description);
}

/** Whether an error means the chat can no longer be written to (nothing to apologise in). */
export function isChatUnreachable(error: unknown): boolean {
  return (
    error instanceof GrammyError &&
    (error.error_code === 403 || (error.error_code === 400 && /chat not found|have no rights to send|not enough rights to send|CHAT_WRITE_FORBIDDEN/i.test(error.description)))
  );
}

export function sequentialKey(ctx: BotContext): string | undefined {
  if (ctx.chat) return `chat:${ctx.chat.id}`;
  if (ctx.from) return `user:${ctx.from.id}`;
  return undefined;
}

export function createBot(config: BotConfig, deps: BotDeps): Bot<BotContext> {
  if (!config.telegramToken) {
    throw new TelegramError('No bot token: set TELEGRAM_BOT_TOKEN (from @BotFather) to run the Telegram bot.');
  }
  const { engine, log } = deps;
  const bot = new Bot<BotContext>(config.telegramToken, {
    ...(deps.botInfo ? { botInfo: deps.botInfo } : {}),
    client: {
      timeoutSeconds: API_TIMEOUT_SECONDS,
      ...(config.telegramApiRoot ? { apiRoot: config.telegramApiRoot } : {}),
      ...deps.client,
    },
  });

  const retry = autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true });
  bot.api.config.use((prev, method, payload, signal) => (BEST_EFFORT.has(method) ? prev(method, payload, signal) : retryUnsent(prev, method, payload, signal)));
  bot.api.config.use((prev, method, payload, signal) => (BEST_EFFORT.has(method) ? prev(method, payload, signal) : retry(prev, method, payload, signal)));
  bot.api.config.use(async (prev, method, payload, signal) => {
    try {
      const result = await prev(method, payload, signal);
      if (!result.ok) {
        const level = BEST_EFFORT.has(method) ? 'debug' : 'warn';
        log[level]({ method, code: result.error_code, description: redactSecrets(result.description ?? '') }, 'Telegram API call failed');
      }
      return result;
    } catch (error) {
      if (!signal?.aborted) log.warn({ method, error: redactSecrets(describeError(error)) }, 'Telegram API call failed');
      throw error;
    }
  });

  const clock = deps.clock ?? Date.now;
  const prefix = randomBytes(2).toString('hex');
  let serial = 0;
  const services: BotServices = {
    engine,
    log,
    config,
    feedback: deps.feedback ?? createFileFeedbackSink(config.feedbackLog, log),
    clock,
    limiter: createRateLimiter({ limit: config.rateLimitPerMinute, windowMs: 60_000, clock }),
    inlineLimiter: createRateLimiter({ limit: config.rateLimitPerMinute * 3, windowMs: 60_000, clock }),
    answers: new LruCache(5_000),
    answerMessages: new LruCache(20_000),
    chunkKeys: new LruCache(10_000),
    reindexing: false,
    nextId: () => `${prefix}${(serial++).toString(36)}`,
    intake: deps.intake ?? null,
    download: (url, maxBytes) => downloadFile(deps.client?.fetch ?? fetch, url, maxBytes, deps.intake?.settings.fetchTimeoutMs),
  };

  /** Logs an error and, where possible, tells the user with a short apology. Never throws. */
  const handleError = async (err: BotError<BotContext>) => {
    const ctx = err.ctx;
    const error = err.error;
    const detail =
      error instanceof GrammyError
        ? { method: error.method, code: error.error_code, description: redactSecrets(error.description) }
        : error instanceof HttpError
          ? { http: redactSecrets(error.message) }
          : { error: redactSecrets(describeError(error)), stack: error instanceof Error && error.stack ? redactSecrets(error.stack) : undefined };
    if (isChatUnreachable(error) || isStaleQuery(error)) {
      const why = isStaleQuery(error) ? 'the query is too old to answer' : 'cannot write to this chat (blocked, removed or gone)';
      log.warn({ updateId: ctx.update.update_id, chatId: ctx.chat?.id, ...detail }, `${why}: update dropped`);
      return;
    }
    log.error({ updateId: ctx.update.update_id, chatId: ctx.chat?.id, ...detail }, 'error while handling an update');
    // A channel's readers are not the ones who asked: no apology is posted there.
    if (ctx.chat?.type === 'channel') return;
    const s = t(pickLang({ text: ctx.msg?.text, languageCode: ctx.from?.language_code }));
    try {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: s.error });
      else if (ctx.inlineQuery) await ctx.answerInlineQuery([], { cache_time: 0 });
      else if (ctx.chat && ctx.msg) {
        await ctx.api.sendMessage(ctx.chat.id, s.error, { reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true } });
      }
    } catch (apologyError) {
      log.warn({ error: redactSecrets(describeError(apologyError)) }, 'could not send the apology');
    }
  };

  bot.use((ctx, next) => {
    ctx.services = services;
    return next();
  });
  // The boundary makes handleUpdate itself never reject, whichever way updates arrive (runner,
  // webhook, tests); bot.catch covers anything that escapes it.
  const app = bot.errorBoundary(handleError);
  app.use(sequentialize(sequentialKey));
  app.use(accessComposer());
  app.use(commandsComposer());
  app.use(intakeComposer());
  app.use(buttonsComposer());
  app.use(inlineComposer());
  app.use(questionsComposer());
  bot.catch(handleError);
  return bot;
}
