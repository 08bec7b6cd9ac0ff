/**
 * The bot's context type and the services every handler reaches through `ctx.services`
 * (installed by the first middleware in `create-bot.ts`): the engine, the logger, settings, the
 * feedback sink, the clock, and small bounded in-memory tables.
 */
import type { Context } from 'grammy';
import type { LruCache } from '../cache.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { IntakeService } from '../intake/service.js';
import type { Engine, Lang } from '../types.js';
import type { FeedbackSink } from './feedback.js';
import type { RateLimiter } from './rate-limit.js';

/** The settings the bot needs (a subset of {@link Config}). */
export type BotConfig = Pick<
  Config,
  'telegramToken' | 'telegramApiRoot' | 'allowedChatIds' | 'adminIds' | 'rateLimitPerMinute' | 'maxQuestionChars' | 'feedbackLog'
> &
  /** Intake settings: source channels, and the largest document an admin may send (default 5 MB). */
  Partial<Pick<Config, 'sourceChats' | 'fetchMaxBytes'>>;

/** What the bot remembers about an answer it sent (for follow-ups and feedback). */
export interface AnswerRecord {
  /** Short id used in feedback callback data. */
  id: string;
  /** The question as asked. */
  question: string;
  /** The question plus the one it followed up on: what a reply to this answer follows up on. */
  context: string;
  /** Cited files, in citation order. */
  files: string[];
  lang: Lang;
  /** What the asker read (quotes with their [n], or the generated text), for a follow-up's model prompt. */
  text?: string;
  /** A generated answer's source sentences per [n] (`Answer.support`), for its source buttons. */
  support?: Record<number, string[]>;
}

export interface BotServices {
  engine: Engine;
  log: Logger;
  config: BotConfig;
  feedback: FeedbackSink;
  clock: () => number;
  limiter: RateLimiter;
  /** Inline queries arrive as the user types: their own, more generous budget. */
  inlineLimiter: RateLimiter;
  /** Answers by id. */
  answers: LruCache<string, AnswerRecord>;
  /** Answer id by `${chatId}:${messageId}` of each message the answer was sent as. */
  answerMessages: LruCache<string, string>;
  /** Long chunk ids by short callback key (when `src:<chunkId>` would exceed 64 bytes). */
  chunkKeys: LruCache<string, string>;
  /** Whether a /reindex is running. */
  reindexing: boolean;
  /** Next serial for short ids. */
  nextId(): string;
  /** Takes in channel posts, admins' forwards, documents and /add links; null when intake is off. */
  intake: IntakeService | null;
  /** Downloads a file from the Bot API's file server, refusing more than `maxBytes`. */
  download(url: string, maxBytes: number): Promise<Uint8Array>;
}

export interface ServicesFlavor {
  services: BotServices;
}

export type BotContext = Context & ServicesFlavor;
