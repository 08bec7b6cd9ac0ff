/**
 * Builds the bot (no network activity: running it is `run.ts`'s job).
 *
 * Middleware order: services → per-chat sequentialize → allowlist → commands → buttons →
 * inline → questions. API calls go through two transformers: auto-retry (429 and 5xx, bounded;
 * not for the typing indicator and command menus, which are best-effort) and a logger that
 * records failed calls by method name only, redacted, so the token never reaches a log.
 */
import { Bot, BotError, GrammyError, HttpError } from 'grammy';
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
import { BoundedMap, type BotConfig, type BotContext, type BotServices } from './context.js';
import { createFileFeedbackSink, type FeedbackSink } from './feedback.js';
import { pickLang, t } from './i18n.js';
import { inlineComposer } from './inline.js';
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
}

/** Calls that are nice to have: never retried, failures only logged. */
const BEST_EFFORT = new Set(['sendChatAction', 'setMyCommands']);

/** The sequentialize key: one queue per chat (per user for updates without a chat). */
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
    client: config.telegramApiRoot ? { apiRoot: config.telegramApiRoot } : {},
  });

  const retry = autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true });
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
    answers: new BoundedMap(5_000),
    answerMessages: new BoundedMap(20_000),
    chunkKeys: new BoundedMap(10_000),
    reindexing: false,
    nextId: () => `${prefix}${(serial++).toString(36)}`,
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
    log.error({ updateId: ctx.update.update_id, chatId: ctx.chat?.id, ...detail }, 'error while handling an update');
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
  app.use(buttonsComposer());
  app.use(inlineComposer());
  app.use(questionsComposer());
  bot.catch(handleError);
  return bot;
}
