/**
 * The bot's context type and the services every handler reaches through `ctx.services`
 * (installed by the first middleware in `create-bot.ts`): the engine, the logger, settings, the
 * feedback sink, the clock, and small bounded in-memory tables.
 */
import type { Context } from 'grammy';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Engine, Lang } from '../types.js';
import type { FeedbackSink } from './feedback.js';
import type { RateLimiter } from './rate-limit.js';

/** The settings the bot needs (a subset of {@link Config}). */
export type BotConfig = Pick<
  Config,
  'telegramToken' | 'telegramApiRoot' | 'allowedChatIds' | 'adminIds' | 'rateLimitPerMinute' | 'maxQuestionChars' | 'feedbackLog'
>;

/** A map that forgets its oldest entries beyond `capacity` (insertion order; `get` refreshes). */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(readonly capacity: number) {}
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  has(key: K): boolean {
    return this.map.has(key);
  }
  set(key: K, value: V): this {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
    return this;
  }
  get size(): number {
    return this.map.size;
  }
}

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
  answers: BoundedMap<string, AnswerRecord>;
  /** Answer id by `${chatId}:${messageId}` of each message the answer was sent as. */
  answerMessages: BoundedMap<string, string>;
  /** Long chunk ids by short callback key (when `src:<chunkId>` would exceed 64 bytes). */
  chunkKeys: BoundedMap<string, string>;
  /** Whether a /reindex is running. */
  reindexing: boolean;
  /** Next serial for short ids. */
  nextId(): string;
}

export interface ServicesFlavor {
  services: BotServices;
}

export type BotContext = Context & ServicesFlavor;
