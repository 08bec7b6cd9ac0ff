/**
 * Bot throughput: answers per second through the product's `createBot` and `bot.handleUpdate`,
 * in process, with every outgoing Bot API call captured by a transformer and answered at once
 * (no network). 50 private chats ask at the same time, each its questions one after another (the
 * bot serialises a chat's updates). One warm-up round is excluded. Questions carry a per-ask
 * number so the engine's query-vector cache never answers for the model.
 */
import type { Update, UserFromGetMe } from 'grammy/types';
import { createBot, type BotConfig } from '../bot/create-bot.js';
import { createMemoryFeedbackSink } from '../bot/feedback.js';
import type { Engine } from '../types.js';
import type { Logger } from '../log.js';
import { Contention, round, timer } from './stats.js';

const BOT_INFO = {
  id: 4242,
  is_bot: true,
  first_name: 'Bench',
  username: 'BenchNewsBot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: true,
  can_connect_to_business: false,
  has_main_web_app: false,
} as UserFromGetMe;

export interface BotResult {
  answers_per_s: number;
  /** Questions handled (each handleUpdate resolved). */
  answers: number;
  /** sendMessage calls they made (an answer is one or more messages). */
  messages: number;
  chats: number;
  seconds: number;
  api_calls: number;
  mode: string;
  warmup_answers: number;
  contention: number | null;
}

export async function benchBot(engine: Engine, log: Logger, options: { chats: number; perChat: number; questions: string[] }): Promise<BotResult> {
  const config: BotConfig = {
    telegramToken: '123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ',
    telegramApiRoot: null,
    allowedChatIds: null,
    adminIds: new Set(),
    rateLimitPerMinute: 1_000_000,
    maxQuestionChars: 500,
    feedbackLog: '/nonexistent/feedback.log',
  };
  const bot = createBot(config, { engine, log, feedback: createMemoryFeedbackSink(), botInfo: BOT_INFO });
  let calls = 0;
  let answers = 0;
  let messages = 0;
  let messageId = 1;
  bot.api.config.use(async (_prev, method, payload) => {
    calls++;
    const p = (payload ?? {}) as Record<string, unknown>;
    if (method === 'sendMessage') {
      messages++;
      const chat = { id: p.chat_id, type: 'private', first_name: 'u' };
      return { ok: true, result: { message_id: messageId++, date: 0, chat, from: BOT_INFO, text: p.text } } as never;
    }
    return { ok: true, result: true } as never;
  });
  let updateId = 1;
  let serial = 0;
  const ask = async (chat: number, text: string) => {
    await bot.handleUpdate({
      update_id: updateId++,
      message: { message_id: messageId++, date: 1_748_779_200, chat: { id: chat, type: 'private', first_name: 'u' }, from: { id: chat, is_bot: false, first_name: 'u', language_code: 'ar' }, text },
    } as Update);
    answers++;
  };
  const round_ = (perChat: number) =>
    Promise.all(
      Array.from({ length: options.chats }, async (_, c) => {
        for (let i = 0; i < perChat; i++) await ask(10_000 + c, `${options.questions[(c + i) % options.questions.length]} ${++serial}`);
      }),
    );
  await round_(1); // warm-up
  const warm = answers;
  answers = 0;
  calls = 0;
  messages = 0;
  const contention = new Contention();
  const t = timer();
  await round_(options.perChat);
  const seconds = t() / 1000;
  return {
    answers_per_s: round(answers / seconds, 1),
    answers,
    messages,
    chats: options.chats,
    seconds: round(seconds, 2),
    api_calls: calls,
    mode: engine.info().mode,
    warmup_answers: warm,
    contention: contention.stop(),
  };
}
